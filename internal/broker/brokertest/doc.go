// Package brokertest is the contract every broker.Broker passes (Run), and
// helpers that start real redis-server processes for the tests.
package brokertest
