// Package format turns data into the exact bytes of the wire contract
// (spec/subscriber.md §2, §4, §6, §9; spec/statistics.md; spec/events-channel.md §2).
//
// It owns:
//   - message templates (Compile, Template.Append) rendered in one pass;
//   - the EventSource transforms of header/footer/message templates and the
//     per-line data piece, id:/event: lines and the fixed ping;
//   - padding by user agent (Padding, MatchPaddingRule) with shared,
//     precomputed padding bytes;
//   - HTTP dates and tags (HTTPDate, ParseHTTPDate, ParseTag, StatsTime);
//   - the statistics documents in their six negotiated formats
//     (Negotiate, AppendChannel, AppendGroup, AppendSummary);
//   - the events channel text (EventText) and the JSONP pieces.
//
// It knows nothing of HTTP or sockets: every function appends to or returns
// bytes, and the hot paths (template rendering, group documents) allocate
// only when growing the caller's buffer.
package format
