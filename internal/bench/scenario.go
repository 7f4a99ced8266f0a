//go:build linux

package bench

import (
	"errors"
	"fmt"
	"time"
)

// Scenarios lists the scenario names Run accepts.
var Scenarios = []string{"idle", "fanout", "channels", "pubonly", "connect"}

// Run fills o's defaults for the scenario and runs it. The error is set when
// the scenario could not run at all; failures during a run (lost messages,
// publish errors) are in the Result.
func Run(scenario string, o Options) (*Result, error) {
	o.Defaults(scenario)
	if err := o.resolve(); err != nil {
		return nil, err
	}
	res := &Result{Scenario: scenario, URL: o.URL, Channels: o.Channels, Publishers: o.Publishers, Size: o.Size}
	var err error
	switch scenario {
	case "idle":
		err = runIdle(&o, res)
	case "fanout":
		err = runFanout(&o, res)
	case "channels":
		err = runChannels(&o, res)
	case "pubonly":
		err = runPubOnly(&o, res)
	case "connect":
		err = runConnect(&o, res)
	default:
		return nil, fmt.Errorf("unknown scenario %q (want one of %v)", scenario, Scenarios)
	}
	if err != nil {
		return res, fmt.Errorf("%s: %w", scenario, err)
	}
	return res, nil
}

func (o *Options) rss() (int64, error) {
	if o.PID <= 0 {
		return 0, nil
	}
	return RSS(o.PID, o.Children)
}

// deliveryPhase runs the publishers against a ready fleet, waits for every
// expected delivery (or o.Timeout after the last publish) and fills res.
func deliveryPhase(o *Options, f *fleet, res *Result, quota func(int) int, chans func(int) []int) {
	cpu := startCPU(o)
	pr := publishAll(o, quota, chans)
	res.Published = pr.total()
	res.PublishErrors = pr.errors
	res.setErr(pr.firstErr)
	res.PublishSeconds = pr.end.Sub(pr.start).Seconds()
	if res.PublishSeconds > 0 {
		res.PublishPerSec = float64(res.Published) / res.PublishSeconds
	}
	rtt := pr.rtt.Summary()
	res.PublishRTT = &rtt
	for _, s := range f.subs {
		for _, n := range pr.counts[s.ch] {
			res.Expected += n
		}
	}
	waitFor(func() bool { return f.r.delivered.Load() >= res.Expected || f.r.errors.Load() > 0 },
		time.Now().Add(o.Timeout))
	cpu.fill(o, res)
	f.stop()
	res.setErr(f.firstError())
	res.SubscriberErrors = f.r.errors.Load()
	c := f.check(pr.counts)
	res.Check = &c
	if last := f.lastDelivery(); last > 0 {
		res.DeliverySeconds = time.Duration(last - pr.start.UnixNano()).Seconds()
		if res.DeliverySeconds > 0 {
			res.DeliveriesPerSec = float64(c.Received) / res.DeliverySeconds
		}
	}
	l := f.r.hists.Summary()
	res.Latency = &l
}

// readyFleet starts subscribers and waits until each saw a probe.
func readyFleet(o *Options, r *run, n int, chOf func(int) int, pubs int, maxSeq int64) (*fleet, error) {
	f, err := startFleet(o, r, n, chOf, pubs, maxSeq)
	if err != nil {
		return nil, err
	}
	p := newPublisher(o)
	defer p.close()
	if err := f.waitReady(p); err != nil {
		f.stop()
		if errors.Is(err, errSubscriberFailed) {
			err = f.firstError()
		}
		return nil, fmt.Errorf("wait for subscribers: %w", err)
	}
	return f, nil
}

func newRun(n int) *run {
	shards := n
	if shards > 64 {
		shards = 64
	}
	if shards < 1 {
		shards = 1
	}
	return &run{hists: NewHists(shards)}
}

func runIdle(o *Options, res *Result) error {
	res.Mode, res.Subscribers = o.Mode.String(), o.Subs
	var err error
	if res.RSSBefore, err = o.rss(); err != nil {
		return err
	}
	r := newRun(o.Subs)
	f, err := readyFleet(o, r, o.Subs, func(i int) int { return i % o.Channels }, o.Publishers, 1)
	if err != nil {
		return err
	}
	time.Sleep(o.Settle)
	if res.RSSAfter, err = o.rss(); err != nil {
		f.stop()
		return err
	}
	if o.PID > 0 {
		res.RSSPerSub = float64(res.RSSAfter-res.RSSBefore) / float64(o.Subs)
	}
	// One message to every channel; publisher p serves channels p, p+P, ...
	deliveryPhase(o, f, res, func(p int) int { return len(chansOf(o, p)) }, func(p int) []int { return chansOf(o, p) })
	if res.Check.Lost == 0 && res.DeliverySeconds > 0 {
		res.AllDeliveredMs = res.DeliverySeconds * 1000
	}
	return nil
}

// chansOf are the channels publisher p owns: p, p+P, p+2P, ...
func chansOf(o *Options, p int) []int {
	var chs []int
	for c := p; c < o.Channels; c += o.Publishers {
		chs = append(chs, c)
	}
	return chs
}

func runFanout(o *Options, res *Result) error {
	o.Channels = 1
	res.Channels = 1
	res.Mode, res.Subscribers = o.Mode.String(), o.Subs
	r := newRun(o.Subs)
	maxSeq := int64(split(o.Messages, o.Publishers, 0))
	f, err := readyFleet(o, r, o.Subs, func(int) int { return 0 }, o.Publishers, maxSeq)
	if err != nil {
		return err
	}
	deliveryPhase(o, f, res, func(p int) int { return split(o.Messages, o.Publishers, p) }, func(int) []int { return []int{0} })
	return nil
}

func runChannels(o *Options, res *Result) error {
	if o.Publishers > o.Channels {
		o.Publishers = o.Channels
		res.Publishers = o.Channels
	}
	n := 2 * o.Channels
	res.Mode, res.Subscribers = o.Mode.String(), n
	r := newRun(n)
	// Each channel belongs to one publisher, which sends it about M/C messages.
	per := max(1, o.Messages/o.Channels)
	maxSeq := int64(per)
	f, err := readyFleet(o, r, n, func(i int) int { return i / 2 }, o.Publishers, maxSeq)
	if err != nil {
		return err
	}
	deliveryPhase(o, f, res,
		func(p int) int { return len(chansOf(o, p)) * per },
		func(p int) []int { return chansOf(o, p) })
	return nil
}

func runPubOnly(o *Options, res *Result) error {
	var err error
	if res.RSSBefore, err = o.rss(); err != nil {
		return err
	}
	cpu := startCPU(o)
	pr := publishAll(o, func(p int) int { return split(o.Messages, o.Publishers, p) },
		func(p int) []int {
			if o.Channels >= o.Publishers {
				return chansOf(o, p)
			}
			return []int{p % o.Channels}
		})
	res.Published, res.PublishErrors = pr.total(), pr.errors
	res.setErr(pr.firstErr)
	res.PublishSeconds = pr.end.Sub(pr.start).Seconds()
	if res.PublishSeconds > 0 {
		res.PublishPerSec = float64(res.Published) / res.PublishSeconds
	}
	cpu.fill(o, res)
	rtt := pr.rtt.Summary()
	res.PublishRTT = &rtt
	if res.RSSAfter, err = o.rss(); err != nil {
		return err
	}
	return nil
}
