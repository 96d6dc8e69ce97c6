/**
 * The CPU-bound script the compute benchmark runs both in quicksand and in bare
 * quickjs-emscripten. Deterministic (a fixed PRNG seed, no clocks, no I/O), and a mix of
 * what guest code typically does: integer and float arithmetic, object and array
 * allocation with property access, sorting with a comparator, Map updates, string
 * building, JSON round trips and a regular expression. It is one expression whose value
 * is a checksum, so both sides can show they computed the same thing.
 */
export const SCALE = 1;

export const WORKLOAD = `(function workload(scale) {
  let seed = 12345;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  let check = 0;

  // Numbers: a small n-body-ish float loop and integer hashing.
  let x = 0.5, y = 0.25, vx = 0.01, vy = -0.02;
  for (let i = 0; i < 300000 * scale; i++) {
    const r2 = x * x + y * y + 0.01;
    const f = 0.0001 / (r2 * Math.sqrt(r2));
    vx -= x * f; vy -= y * f; x += vx; y += vy;
    check = (check + Math.imul(i, 2654435761)) | 0;
  }
  check = (check + Math.round(x * 1e6)) | 0;

  // Objects: allocate records, sort them, group them.
  const records = [];
  for (let i = 0; i < 30000 * scale; i++) {
    records.push({ id: i, score: Math.floor(rand() * 1000), name: "user" + (i % 997), tags: [i % 3, i % 5, i % 7] });
  }
  records.sort((a, b) => a.score - b.score || a.id - b.id);
  const groups = new Map();
  for (const r of records) {
    const g = groups.get(r.name);
    if (g) { g.total += r.score; g.count++; } else groups.set(r.name, { total: r.score, count: 1 });
  }
  for (const [name, g] of groups) check = (check + g.total * name.length + g.count) | 0;

  // Strings: build, split, join, search, JSON.
  const parts = [];
  for (let i = 0; i < 20000 * scale; i++) parts.push(records[i % records.length].name + ":" + (i * 7 % 1000).toString(16));
  const text = parts.join(",");
  const words = text.split(",");
  let matched = 0;
  const re = /^user(\\d+):([0-9a-f]+)$/;
  for (const w of words) { const m = re.exec(w); if (m && m[1].length === m[2].length) matched++; }
  const json = JSON.stringify(records.slice(0, 3000 * scale));
  const back = JSON.parse(json);
  check = (check + matched + back.length + json.length + text.length) | 0;
  return check;
})`;

/** The expression to evaluate: the workload applied to SCALE. */
export const WORKLOAD_CALL = `${WORKLOAD}(${SCALE})`;
