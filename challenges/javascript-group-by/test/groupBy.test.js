const test = require("node:test");
const assert = require("node:assert/strict");
const { groupBy } = require("../src/groupBy");

test("groups by a function, keeping order", () => {
  assert.deepEqual(groupBy([1, 2, 3, 4, 5], (n) => (n % 2 ? "odd" : "even")), {
    odd: [1, 3, 5],
    even: [2, 4],
  });
});

test("groups by a property name", () => {
  const users = [
    { name: "Ada", team: "core" },
    { name: "Linus", team: "kernel" },
    { name: "Grace", team: "core" },
  ];
  assert.deepEqual(groupBy(users, "team"), {
    core: [users[0], users[2]],
    kernel: [users[1]],
  });
});

test("undefined keys are grouped under 'undefined'", () => {
  assert.deepEqual(groupBy([{ a: 1 }, {}], "a"), { 1: [{ a: 1 }], undefined: [{}] });
});

test("does not change its input", () => {
  const input = [3, 1, 2];
  groupBy(input, (n) => n);
  assert.deepEqual(input, [3, 1, 2]);
});

test("an empty list gives an empty object", () => {
  assert.deepEqual(groupBy([], (x) => x), {});
});
