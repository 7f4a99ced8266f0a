package format

// JSONP pieces (subscriber.md §7): "<callback>" then JSONPOpen, the messages
// separated by JSONPSeparator, then JSONPClose, each its own chunk. The
// slices are shared: never modify them.
var (
	JSONPOpen      = []byte("([")
	JSONPSeparator = []byte(",")
	JSONPClose     = []byte("]);")
)

// JSONPContentType replaces the location's content type when a callback is given.
const JSONPContentType = "application/javascript"
