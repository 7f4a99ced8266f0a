// Package redis is the broker.Broker that lets several pushstream nodes
// share channels through Redis: a single server (redis://, rediss://), a
// Sentinel-managed master (redis-sentinel://) or a Redis Cluster
// (redis-cluster://, sharded pub/sub).
//
// Every publish is one Lua script on the channel's hash slot: next id,
// time from Redis TIME, the server-wide per-second tag, the bounded
// history and the PUBLISH (SPUBLISH on a cluster) to the nodes. On a
// cluster the tag lives on another slot, so it is taken by a first script
// and the channel script keeps (time, tag) increasing per channel.
//
// Key layout (prefix "ps:" by default):
//
//	{g}:chans, {g}:wild   registry zsets, score = creation sequence
//	{g}:seq, {g}:tag, {g}:pub   sequence, tag (hash s,n), published total
//	{g}:nodes, {g}:node:ID      live nodes and their heartbeat counts
//	{g}:gc                      sweep lock (one node sweeps per period)
//	{c:ID}:h, {c:ID}:m, {c:ID}:a  history list, meta hash, inactivity key
//	{c:ID}:p                      pub/sub channel
package redis
