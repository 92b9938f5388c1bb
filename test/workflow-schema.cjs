// @actions/workflow-parser imports its schema JSON without `with { type: "json" }`, which Jest warns
// about on every run; this hands Jest the same file through require, which needs no attribute.
module.exports = require("../node_modules/@actions/workflow-parser/dist/workflow-v1.0.min.json");
