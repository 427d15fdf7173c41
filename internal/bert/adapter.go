package bert

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/openreview-finder/openreview-finder/internal/weights"
)

// AdapterConfig is an adapter_config.json as written by adapter-transformers
// 3.x and by the adapters library: the bottleneck settings sit under
// "config".
type AdapterConfig struct {
	Name       string        `json:"name"`
	HiddenSize int           `json:"hidden_size"`
	ModelType  string        `json:"model_type"`
	Config     bottleneckCfg `json:"config"`
}

type bottleneckCfg struct {
	Architecture            string  `json:"architecture"` // "bottleneck" in the adapters library; absent in 3.x
	MHAdapter               bool    `json:"mh_adapter"`
	OutputAdapter           bool    `json:"output_adapter"`
	OriginalLNBefore        bool    `json:"original_ln_before"`
	OriginalLNAfter         bool    `json:"original_ln_after"`
	ResidualBeforeLN        any     `json:"residual_before_ln"` // bool, or "post_add" in newer versions
	AdapterResidualBeforeLN bool    `json:"adapter_residual_before_ln"`
	LNBefore                bool    `json:"ln_before"`
	LNAfter                 bool    `json:"ln_after"`
	NonLinearity            string  `json:"non_linearity"`
	Scaling                 any     `json:"scaling"` // a number, or "channel"/"learned"
	UseGating               bool    `json:"use_gating"`
	IsParallel              bool    `json:"is_parallel"`
	PHMLayer                bool    `json:"phm_layer"`
	LeaveOut                []int   `json:"leave_out"`
	ReductionFactor         any     `json:"reduction_factor"` // a number or a per-layer map
	InvAdapter              *string `json:"inv_adapter"`
}

// ReadAdapterConfig reads an adapter_config.json and checks that it is the
// sequential bottleneck (seq_bn / Pfeiffer) adapter this package runs.
func ReadAdapterConfig(path string) (AdapterConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return AdapterConfig{}, fmt.Errorf("read adapter config: %w", err)
	}
	var c AdapterConfig
	if err := json.Unmarshal(data, &c); err != nil {
		return AdapterConfig{}, fmt.Errorf("%w: %s is not a valid adapter config: %v", ErrModel, path, err)
	}
	if err := c.check(); err != nil {
		return AdapterConfig{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// check refuses every variant whose forward pass differs from the one
// implemented in adapterForward, rather than computing something else.
func (c *AdapterConfig) check() error {
	b := c.Config
	bad := func(what string) error {
		return fmt.Errorf("%w: unsupported adapter: %s (only sequential bottleneck adapters such as SPECTER2's run here)", ErrModel, what)
	}
	switch {
	case b.Architecture != "" && b.Architecture != "bottleneck":
		return bad("architecture " + b.Architecture)
	case b.MHAdapter || !b.OutputAdapter:
		return bad("adapter after attention (mh_adapter) or none after the feed-forward block")
	case !b.OriginalLNBefore || !b.OriginalLNAfter:
		return bad("original_ln_before and original_ln_after must be true")
	case b.ResidualBeforeLN != nil && b.ResidualBeforeLN != true:
		return bad(fmt.Sprintf("residual_before_ln = %v", b.ResidualBeforeLN))
	case b.AdapterResidualBeforeLN || b.LNBefore || b.LNAfter:
		return bad("extra adapter LayerNorms or adapter_residual_before_ln")
	case b.UseGating || b.IsParallel || b.PHMLayer || b.InvAdapter != nil:
		return bad("gating, parallel, PHM or invertible adapters")
	case b.NonLinearity != "" && strings.ToLower(b.NonLinearity) != "relu":
		return bad("non_linearity " + b.NonLinearity)
	}
	if _, err := c.scaling(); err != nil {
		return err
	}
	return nil
}

func (c *AdapterConfig) scaling() (float32, error) {
	switch s := c.Config.Scaling.(type) {
	case nil:
		return 1, nil
	case float64:
		return float32(s), nil
	}
	return 0, fmt.Errorf("%w: unsupported adapter scaling %v", ErrModel, c.Config.Scaling)
}

// Adapter is a loaded bottleneck adapter: one per layer, nil where the
// adapter leaves a layer out.
type Adapter struct {
	Name    string // the name found in the weight keys
	scale   float32
	byLayer []*bottleneck
}

type bottleneck struct{ down, up linear }

// adapterKey matches the weight names of an output adapter. The name is
// discovered, never assumed; v1/v2 files used other words for "adapters".
var adapterKey = regexp.MustCompile(`^(?:bert\.|model\.)?encoder\.layer\.(\d+)\.output\.(?:adapters|layer_text_task_adapters|layer_text_lang_adapters)\.(.+)\.adapter_(down\.0|up)\.(weight|bias)$`)

// NewAdapter builds an adapter for m from an adapter checkpoint's tensors.
func NewAdapter(m *Model, c AdapterConfig, ts map[string]*weights.Tensor) (*Adapter, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if c.HiddenSize != 0 && c.HiddenSize != m.cfg.HiddenSize {
		return nil, fmt.Errorf("%w: adapter is for hidden size %d, the model has %d", ErrModel, c.HiddenSize, m.cfg.HiddenSize)
	}
	scale, _ := c.scaling()
	a := &Adapter{scale: scale, byLayer: make([]*bottleneck, m.cfg.NumLayers)}
	found := map[int]map[string]*weights.Tensor{}
	for key, t := range ts {
		g := adapterKey.FindStringSubmatch(key)
		if g == nil {
			continue
		}
		if a.Name == "" {
			a.Name = g[2]
		} else if a.Name != g[2] {
			return nil, fmt.Errorf("%w: the adapter file holds several adapters (%q and %q)", ErrModel, a.Name, g[2])
		}
		i, err := strconv.Atoi(g[1])
		if err != nil || i >= m.cfg.NumLayers {
			return nil, fmt.Errorf("%w: adapter weight %s is for layer %s; the model has %d", ErrModel, key, g[1], m.cfg.NumLayers)
		}
		if found[i] == nil {
			found[i] = map[string]*weights.Tensor{}
		}
		found[i][strings.TrimSuffix(g[3], ".0")+"."+g[4]] = t // "down.weight", "up.bias", ...
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("%w: no adapter weights (keys like encoder.layer.0.output.adapters.NAME.adapter_down.0.weight) in the adapter file", ErrModel)
	}
	if err := a.fill(m, found, c.Config.LeaveOut); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *Adapter) fill(m *Model, found map[int]map[string]*weights.Tensor, leaveOut []int) error {
	h := m.cfg.HiddenSize
	for _, i := range slices.Sorted(maps.Keys(found)) {
		tsr := &tensors{ts: found[i]}
		down, ok := found[i]["down.weight"]
		if !ok || len(down.Shape) != 2 {
			return fmt.Errorf("%w: adapter layer %d lacks a two-dimensional adapter_down.0.weight", ErrModel, i)
		}
		r := down.Shape[0]
		var b bottleneck
		var err error
		if b.down, err = tsr.linear("down", h, r); err != nil {
			return fmt.Errorf("adapter layer %d: %w", i, err)
		}
		if b.up, err = tsr.linear("up", r, h); err != nil {
			return fmt.Errorf("adapter layer %d: %w", i, err)
		}
		a.byLayer[i] = &b
	}
	for i, b := range a.byLayer {
		if b == nil && !slices.Contains(leaveOut, i) {
			return fmt.Errorf("%w: the adapter has no weights for layer %d, and its config does not leave that layer out", ErrModel, i)
		}
	}
	return nil
}
