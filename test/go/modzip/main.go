// modzip builds module zips with golang.org/x/mod/zip.CreateFromDir and hashes them with
// dirhash.HashZip, for test/go/modzip.test.ts to compare with Sigil's make-zip.ts.
// Input (stdin): [{"dir","path","version"}]. Output: [{"hash","files","error"}].
package main

import (
	"archive/zip"
	"encoding/json"
	"os"
	"path/filepath"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"
)

type req struct {
	Dir     string `json:"dir"`
	Path    string `json:"path"`
	Version string `json:"version"`
}

type res struct {
	Hash  string   `json:"hash"`
	Files []string `json:"files"`
	Error string   `json:"error"`
}

func one(r req, tmp string, i int) res {
	name := filepath.Join(tmp, "m.zip")
	f, err := os.Create(name)
	if err != nil {
		return res{Error: err.Error()}
	}
	err = modzip.CreateFromDir(f, module.Version{Path: r.Path, Version: r.Version}, r.Dir)
	f.Close()
	if err != nil {
		return res{Error: err.Error()}
	}
	h, err := dirhash.HashZip(name, dirhash.Hash1)
	if err != nil {
		return res{Error: err.Error()}
	}
	z, err := zip.OpenReader(name)
	if err != nil {
		return res{Error: err.Error()}
	}
	defer z.Close()
	files := []string{}
	for _, zf := range z.File {
		files = append(files, zf.Name)
	}
	return res{Hash: h, Files: files}
}

func main() {
	var reqs []req
	if err := json.NewDecoder(os.Stdin).Decode(&reqs); err != nil {
		panic(err)
	}
	tmp, err := os.MkdirTemp("", "modzip")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(tmp)
	out := []res{}
	for i, r := range reqs {
		out = append(out, one(r, tmp, i))
	}
	json.NewEncoder(os.Stdout).Encode(out)
}
