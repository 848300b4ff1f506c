/**
 * Groups items by a key.
 * @param {Array} items
 * @param {Function|string} keyFn a function of an item, or a property name
 * @returns {Object<string, Array>}
 */
function groupBy(items, keyFn) {
  // TODO: your code here
  throw new Error("not implemented");
}

module.exports = { groupBy };
