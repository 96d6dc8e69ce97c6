/**
 * Budgets the guest's event loop enforces on itself, set by the bootstrap from the run's
 * `resourceBudgets`. Timers are guest state only (the host holds nothing per timer), so
 * this count is a clear early error rather than a security boundary: a guest that got
 * around it would only spend its own capped memory and CPU (see SECURITY.md).
 */
export const loopBudget = { maxTimers: Infinity };
