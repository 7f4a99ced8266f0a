package auth

import "strconv"

// Denial is a refused request: the status, the X-Nginx-PushStream-Explain
// text and, for 401, the WWW-Authenticate challenges to send.
type Denial struct {
	Status     int
	Explain    string
	Challenges []string
}

func (d *Denial) Error() string {
	return "auth: " + strconv.Itoa(d.Status) + " " + d.Explain
}

// Explain texts of the denials.
const (
	ExplainMissing       = "Authentication required."
	ExplainBadCredential = "Invalid credentials."
	ExplainNoDelete      = "Not authorized to delete channels."
	ExplainNoStats       = "Not authorized to read statistics."
	ExplainUnavailable   = "Authorization service unavailable."
	explainNoSubscribe   = "Not authorized to subscribe to channel "
	explainNoPublish     = "Not authorized to publish to channel "
	explainBadChannel    = "Channel id not authorized for this method."
)

func unauthorized(explain string, challenges []string) *Denial {
	return &Denial{Status: 401, Explain: explain, Challenges: challenges}
}

func forbidden(explain string) *Denial { return &Denial{Status: 403, Explain: explain} }
