// Command tlogcheck cross-checks Sigil's transparency-log output with Go's own
// implementation (golang.org/x/mod/sumdb/tlog and sumdb/note), and produces
// Go-made keys, notes and proofs for Sigil to verify.
//
// It reads one JSON request on stdin and writes one JSON response on stdout.
// Built in GOPATH mode against Debian's golang-golang-x-mod-dev; see
// test/go/tlog.test.ts.
package main

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type rootReq struct {
	Size int64     `json:"size"`
	Hash tlog.Hash `json:"hash"`
}

type tileReq struct {
	Path string `json:"path"` // C2SP path: tile/<L>/<N>[.p/<W>]
	Data []byte `json:"data"`
}

type inclusionReq struct {
	Index int64       `json:"index"`
	Size  int64       `json:"size"`
	Proof []tlog.Hash `json:"proof"`
	Root  tlog.Hash   `json:"root"`
	Leaf  []byte      `json:"leaf"` // entry data; Go computes the record hash
}

type consistencyReq struct {
	Size1 int64       `json:"size1"`
	Size2 int64       `json:"size2"`
	Proof []tlog.Hash `json:"proof"`
	Root1 tlog.Hash   `json:"root1"`
	Root2 tlog.Hash   `json:"root2"`
}

type noteReq struct {
	Vkey string `json:"vkey"`
	Msg  string `json:"msg"`
}

type pair struct {
	A int64 `json:"a"`
	B int64 `json:"b"`
}

type request struct {
	Leaves      [][]byte         `json:"leaves"`
	Roots       []rootReq        `json:"roots"`
	Tiles       []tileReq        `json:"tiles"`
	TileTree    rootReq          `json:"tileTree"`
	Inclusion   []inclusionReq   `json:"inclusion"`
	Consistency []consistencyReq `json:"consistency"`
	Notes       []noteReq        `json:"notes"`
	GenName     string           `json:"genName"`
	GenText     string           `json:"genText"`
	GoInclusion []pair           `json:"goInclusion"`   // (index, size)
	GoTree      []pair           `json:"goConsistency"` // (size1, size2)
}

type proofOut struct {
	A     int64       `json:"a"`
	B     int64       `json:"b"`
	Proof []tlog.Hash `json:"proof"`
	RootA tlog.Hash   `json:"rootA"`
	RootB tlog.Hash   `json:"rootB"`
	Leaf  tlog.Hash   `json:"leafHash"`
}

type response struct {
	Roots         []string   `json:"roots"`      // "" = equal, else why not
	Tiles         []string   `json:"tiles"`      // "" = identical to Go's tile
	TileProofs    string     `json:"tileProofs"` // proofs served through TileHashReader over our tiles
	Inclusion     []string   `json:"inclusion"`  // "" = CheckRecord accepted
	SameInclusion []bool     `json:"sameInclusion"`
	Consistency   []string   `json:"consistency"` // "" = CheckTree accepted
	Notes         []string   `json:"notes"`       // verified signer names, or "error: …"
	GenSkey       string     `json:"genSkey"`
	GenVkey       string     `json:"genVkey"`
	GenMsg        string     `json:"genMsg"`
	GoInclusion   []proofOut `json:"goInclusion"`
	GoConsistency []proofOut `json:"goConsistency"`
}

// memHashes is an in-memory tlog.HashReader over stored hashes.
type memHashes []tlog.Hash

func (m memHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m)) {
			return nil, fmt.Errorf("no stored hash %d", x)
		}
		out[i] = m[x]
	}
	return out, nil
}

// ourTiles serves the tiles Sigil produced to tlog.TileHashReader, which
// authenticates every tile against the tree hash before using it.
type ourTiles map[string][]byte

func (ourTiles) Height() int { return 8 }
func (t ourTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, tile := range tiles {
		d, ok := t[tile.Path()]
		if !ok {
			return nil, fmt.Errorf("tile %s not produced by Sigil", tile.Path())
		}
		out[i] = d
	}
	return out, nil
}
func (ourTiles) SaveTiles([]tlog.Tile, [][]byte) {}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlogcheck:", err)
		os.Exit(1)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func main() {
	var req request
	must(json.NewDecoder(os.Stdin).Decode(&req))
	var res response

	// Go's own stored hashes for the leaves.
	var stored memHashes
	for i, leaf := range req.Leaves {
		hs, err := tlog.StoredHashes(int64(i), leaf, stored)
		must(err)
		stored = append(stored, hs...)
	}

	for _, r := range req.Roots {
		h, err := tlog.TreeHash(r.Size, stored)
		switch {
		case err != nil:
			res.Roots = append(res.Roots, err.Error())
		case h != r.Hash:
			res.Roots = append(res.Roots, fmt.Sprintf("size %d: Go %v, Sigil %v", r.Size, h, r.Hash))
		default:
			res.Roots = append(res.Roots, "")
		}
	}

	tiles := ourTiles{}
	for _, t := range req.Tiles {
		// C2SP paths have no height element; Go's have tile/8/….
		goPath := "tile/8/" + strings.TrimPrefix(t.Path, "tile/")
		tile, err := tlog.ParseTilePath(goPath)
		if err != nil {
			res.Tiles = append(res.Tiles, err.Error())
			continue
		}
		tiles[tile.Path()] = t.Data
		want, err := tlog.ReadTileData(tile, stored)
		switch {
		case err != nil:
			res.Tiles = append(res.Tiles, err.Error())
		case string(want) != string(t.Data):
			res.Tiles = append(res.Tiles, "tile "+t.Path+" differs from Go's")
		default:
			res.Tiles = append(res.Tiles, "")
		}
	}

	if req.TileTree.Size > 0 {
		thr := tlog.TileHashReader(tlog.Tree{N: req.TileTree.Size, Hash: req.TileTree.Hash}, tiles)
		var problems []string
		n := req.TileTree.Size
		for _, idx := range []int64{0, n / 3, n / 2, n - 1} {
			p, err := tlog.ProveRecord(n, idx, thr)
			if err == nil {
				err = tlog.CheckRecord(p, n, req.TileTree.Hash, idx, stored[tlog.StoredHashIndex(0, idx)])
			}
			if err != nil {
				problems = append(problems, fmt.Sprintf("record %d: %v", idx, err))
			}
		}
		for _, old := range []int64{1, n / 2, n - 1} {
			p, err := tlog.ProveTree(n, old, thr)
			if err == nil {
				var oh tlog.Hash
				oh, err = tlog.TreeHash(old, stored)
				if err == nil {
					err = tlog.CheckTree(p, n, req.TileTree.Hash, old, oh)
				}
			}
			if err != nil {
				problems = append(problems, fmt.Sprintf("tree %d: %v", old, err))
			}
		}
		res.TileProofs = strings.Join(problems, "; ")
	}

	for _, q := range req.Inclusion {
		err := tlog.CheckRecord(q.Proof, q.Size, q.Root, q.Index, tlog.RecordHash(q.Leaf))
		res.Inclusion = append(res.Inclusion, errString(err))
		same := false
		if q.Index >= 0 && q.Index < q.Size && q.Size <= int64(len(req.Leaves)) {
			if p, err := tlog.ProveRecord(q.Size, q.Index, stored); err == nil && len(p) == len(q.Proof) {
				same = true
				for i := range p {
					same = same && p[i] == q.Proof[i]
				}
			}
		}
		res.SameInclusion = append(res.SameInclusion, same)
	}

	for _, q := range req.Consistency {
		res.Consistency = append(res.Consistency, errString(tlog.CheckTree(q.Proof, q.Size2, q.Root2, q.Size1, q.Root1)))
	}

	for _, q := range req.Notes {
		v, err := note.NewVerifier(q.Vkey)
		if err != nil {
			res.Notes = append(res.Notes, "error: "+err.Error())
			continue
		}
		n, err := note.Open([]byte(q.Msg), note.VerifierList(v))
		if err != nil {
			res.Notes = append(res.Notes, "error: "+err.Error())
			continue
		}
		var names []string
		for _, s := range n.Sigs {
			names = append(names, s.Name)
		}
		res.Notes = append(res.Notes, strings.Join(names, ","))
	}

	if req.GenName != "" {
		skey, vkey, err := note.GenerateKey(rand.Reader, req.GenName)
		must(err)
		signer, err := note.NewSigner(skey)
		must(err)
		msg, err := note.Sign(&note.Note{Text: req.GenText}, signer)
		must(err)
		res.GenSkey, res.GenVkey, res.GenMsg = skey, vkey, string(msg)
	}

	for _, q := range req.GoInclusion {
		p, err := tlog.ProveRecord(q.B, q.A, stored)
		must(err)
		th, err := tlog.TreeHash(q.B, stored)
		must(err)
		res.GoInclusion = append(res.GoInclusion, proofOut{A: q.A, B: q.B, Proof: p, RootB: th, Leaf: stored[tlog.StoredHashIndex(0, q.A)]})
	}
	for _, q := range req.GoTree {
		p, err := tlog.ProveTree(q.B, q.A, stored)
		must(err)
		ha, err := tlog.TreeHash(q.A, stored)
		must(err)
		hb, err := tlog.TreeHash(q.B, stored)
		must(err)
		res.GoConsistency = append(res.GoConsistency, proofOut{A: q.A, B: q.B, Proof: p, RootA: ha, RootB: hb})
	}

	must(json.NewEncoder(os.Stdout).Encode(res))
}
