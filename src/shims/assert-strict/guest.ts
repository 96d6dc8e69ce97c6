/** `assert/strict`: the strict assert (the same object as `require("assert").strict`). */
import assert from "node:assert";

export default assert.strict;
