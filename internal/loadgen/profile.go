package loadgen

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// Class is a named group of functions CPU time is charged to.
type Class struct {
	// Name labels the class in a [CPUReport].
	Name string
	// Match reports whether a function (its full name as in a profile,
	// e.g. "github.com/s3auth/s3auth/sigv4.(*Verifier).Verify") belongs
	// to the class.
	Match func(function string) bool
}

// PackageClass returns a class matching the functions of the named
// packages (full import paths), methods and closures included, but not
// their sub-packages.
func PackageClass(name string, packages ...string) Class {
	return Class{Name: name, Match: func(fn string) bool {
		for _, p := range packages {
			if rest, ok := strings.CutPrefix(fn, p); ok && strings.HasPrefix(rest, ".") {
				return true
			}
		}
		return false
	}}
}

// AnalyzeOptions configures [AnalyzeCPU]. Every zero value has a default.
type AnalyzeOptions struct {
	// Scope selects the samples analysed: those with a frame whose
	// function name is Scope. "" means "net/http.(*conn).serve" (the
	// goroutines of an HTTP server); "*" means every sample.
	Scope string
	// Module is the prefix of the functions a sample is charged to: the
	// innermost frame starting with Module decides the class. "" means
	// "github.com/s3auth/s3auth".
	Module string
}

// CPUReport splits the CPU time of a profile.
type CPUReport struct {
	// Total is the CPU time of every sample of the profile.
	Total time.Duration
	// Scoped is the CPU time of the samples in scope.
	Scoped time.Duration
	// ByClass is the scoped CPU time charged to each class, by name.
	ByClass map[string]time.Duration
	// Samples is the number of samples in scope.
	Samples int
}

// Share returns the fraction (0..1) of the scoped CPU time charged to the
// named class.
func (r *CPUReport) Share(class string) float64 {
	if r == nil || r.Scoped <= 0 {
		return 0
	}
	return float64(r.ByClass[class]) / float64(r.Scoped)
}

// profile is the part of a pprof Profile message AnalyzeCPU needs.
type profile struct {
	strings   []string
	valueType []int64 // (type, unit) string indexes, flattened
	samples   []sample
	locations map[uint64][]uint64 // location id -> function ids, innermost first
	functions map[uint64]int64    // function id -> name string index
}

type sample struct {
	locs   []uint64
	values []int64
}

// AnalyzeCPU reads a CPU profile (gzipped or not) and charges the CPU time
// of the samples in scope to classes: each sample goes to the class of its
// innermost module frame (see [AnalyzeOptions.Module]); samples whose
// innermost module frame matches no class, or that have none, are charged
// to no class.
func AnalyzeCPU(data []byte, classes []Class, opts AnalyzeOptions) (*CPUReport, error) {
	if opts.Scope == "" {
		opts.Scope = "net/http.(*conn).serve"
	}
	if opts.Module == "" {
		opts.Module = "github.com/s3auth/s3auth"
	}
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("loadgen: the profile is not valid gzip: %w", err)
		}
		// A CPU profile is small; bound it anyway against hostile input.
		raw, err := io.ReadAll(io.LimitReader(zr, 256<<20))
		if err != nil {
			return nil, fmt.Errorf("loadgen: decompressing the profile: %w", err)
		}
		data = raw
	}
	p, err := parseProfile(data)
	if err != nil {
		return nil, err
	}
	vi := p.cpuValueIndex()
	if vi < 0 {
		return nil, errors.New("loadgen: the profile has no cpu/nanoseconds sample type; give a CPU profile from runtime/pprof")
	}
	rep := &CPUReport{ByClass: make(map[string]time.Duration, len(classes))}
	for _, c := range classes {
		rep.ByClass[c.Name] = 0
	}
	classOf := make(map[int64]int) // name string index -> class index (-1: none)
	for _, s := range p.samples {
		if vi >= len(s.values) {
			continue
		}
		v := time.Duration(s.values[vi])
		rep.Total += v
		inScope := opts.Scope == "*"
		charged := -1
		decided := false
		for _, loc := range s.locs {
			for _, fid := range p.locations[loc] {
				name := p.name(fid)
				if !inScope && name == opts.Scope {
					inScope = true
				}
				if !decided && strings.HasPrefix(name, opts.Module) {
					decided = true
					idx := p.functions[fid]
					c, ok := classOf[idx]
					if !ok {
						c = -1
						for i, cl := range classes {
							if cl.Match != nil && cl.Match(name) {
								c = i
								break
							}
						}
						classOf[idx] = c
					}
					charged = c
				}
			}
		}
		if !inScope {
			continue
		}
		rep.Scoped += v
		rep.Samples++
		if charged >= 0 {
			rep.ByClass[classes[charged].Name] += v
		}
	}
	return rep, nil
}

func (p *profile) name(fid uint64) string {
	idx, ok := p.functions[fid]
	if !ok || idx < 0 || idx >= int64(len(p.strings)) {
		return ""
	}
	return p.strings[idx]
}

func (p *profile) str(i int64) string {
	if i < 0 || i >= int64(len(p.strings)) {
		return ""
	}
	return p.strings[i]
}

// cpuValueIndex returns the index of the cpu/nanoseconds value, -1 if none.
func (p *profile) cpuValueIndex() int {
	for i := 0; i+1 < len(p.valueType); i += 2 {
		if p.str(p.valueType[i]) == "cpu" && p.str(p.valueType[i+1]) == "nanoseconds" {
			return i / 2
		}
	}
	return -1
}

var errProfile = errors.New("loadgen: the profile is not a valid pprof protocol buffer")

// fields calls f for every field of a protobuf message.
func fields(b []byte, f func(num protowire.Number, typ protowire.Type, v uint64, sub []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errProfile
		}
		b = b[n:]
		var (
			v   uint64
			sub []byte
		)
		switch typ {
		case protowire.VarintType:
			v, n = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			sub, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return errProfile
		}
		b = b[n:]
		if err := f(num, typ, v, sub); err != nil {
			return err
		}
	}
	return nil
}

// uints appends a repeated integer field, packed or not.
func uints(dst []uint64, typ protowire.Type, v uint64, sub []byte) ([]uint64, error) {
	if typ == protowire.VarintType {
		return append(dst, v), nil
	}
	if typ != protowire.BytesType {
		return dst, errProfile
	}
	for len(sub) > 0 {
		x, n := protowire.ConsumeVarint(sub)
		if n < 0 {
			return dst, errProfile
		}
		dst = append(dst, x)
		sub = sub[n:]
	}
	return dst, nil
}

// parseProfile decodes the fields of perftools.profiles.Profile that
// AnalyzeCPU uses: sample_type (1), sample (2), location (4), function
// (5) and string_table (6).
func parseProfile(b []byte) (*profile, error) {
	p := &profile{locations: map[uint64][]uint64{}, functions: map[uint64]int64{}}
	err := fields(b, func(num protowire.Number, typ protowire.Type, _ uint64, sub []byte) error {
		if typ != protowire.BytesType {
			return nil
		}
		switch num {
		case 1: // ValueType{type=1, unit=2}
			var t, u int64
			if err := fields(sub, func(n protowire.Number, _ protowire.Type, v uint64, _ []byte) error {
				switch n {
				case 1:
					t = int64(v)
				case 2:
					u = int64(v)
				}
				return nil
			}); err != nil {
				return err
			}
			p.valueType = append(p.valueType, t, u)
		case 2: // Sample{location_id=1, value=2}
			var s sample
			var vals []uint64
			if err := fields(sub, func(n protowire.Number, t protowire.Type, v uint64, b []byte) error {
				var err error
				switch n {
				case 1:
					s.locs, err = uints(s.locs, t, v, b)
				case 2:
					vals, err = uints(vals, t, v, b)
				}
				return err
			}); err != nil {
				return err
			}
			for _, v := range vals {
				s.values = append(s.values, int64(v))
			}
			p.samples = append(p.samples, s)
		case 4: // Location{id=1, line=4{function_id=1}}
			var id uint64
			var fns []uint64
			if err := fields(sub, func(n protowire.Number, t protowire.Type, v uint64, b []byte) error {
				switch {
				case n == 1 && t == protowire.VarintType:
					id = v
				case n == 4 && t == protowire.BytesType:
					return fields(b, func(n protowire.Number, t protowire.Type, v uint64, _ []byte) error {
						if n == 1 && t == protowire.VarintType {
							fns = append(fns, v)
						}
						return nil
					})
				}
				return nil
			}); err != nil {
				return err
			}
			p.locations[id] = fns
		case 5: // Function{id=1, name=2}
			var id uint64
			var name int64
			if err := fields(sub, func(n protowire.Number, t protowire.Type, v uint64, _ []byte) error {
				if t == protowire.VarintType {
					switch n {
					case 1:
						id = v
					case 2:
						name = int64(v)
					}
				}
				return nil
			}); err != nil {
				return err
			}
			p.functions[id] = name
		case 6:
			p.strings = append(p.strings, string(sub))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}
