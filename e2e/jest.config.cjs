// End-to-end suites start real processes (the agent, etcd, nginx): generous timeouts, one at a time.
module.exports = require('../jest.preset.cjs')(__dirname, { testTimeout: 180_000, maxWorkers: 1 });
