// goproxy-static writes a static GOPROXY folder with the go command's own code: module zips
// made by golang.org/x/mod/zip.CreateFromDir, .mod copied from the module's go.mod, .info and
// @v/list, paths case-escaped by golang.org/x/mod/module. For test/proxy/go-proxy.test.ts.
// Input (stdin): {"out": "<folder>", "modules": [{"dir","path","version","time"}]}.
package main

import (
	"encoding/json"
	"os"
	"path/filepath"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

type mod struct {
	Dir     string `json:"dir"`
	Path    string `json:"path"`
	Version string `json:"version"`
	Time    string `json:"time"`
}

type input struct {
	Out     string `json:"out"`
	Modules []mod  `json:"modules"`
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func main() {
	var in input
	must(json.NewDecoder(os.Stdin).Decode(&in))
	lists := map[string][]string{}
	for _, m := range in.Modules {
		ep, err := module.EscapePath(m.Path)
		must(err)
		ev, err := module.EscapeVersion(m.Version)
		must(err)
		dir := filepath.Join(in.Out, ep, "@v")
		must(os.MkdirAll(dir, 0o755))
		f, err := os.Create(filepath.Join(dir, ev+".zip"))
		must(err)
		must(modzip.CreateFromDir(f, module.Version{Path: m.Path, Version: m.Version}, m.Dir))
		must(f.Close())
		gomod, err := os.ReadFile(filepath.Join(m.Dir, "go.mod"))
		if err != nil {
			gomod = []byte("module " + m.Path + "\n")
		}
		must(os.WriteFile(filepath.Join(dir, ev+".mod"), gomod, 0o644))
		info, _ := json.Marshal(map[string]string{"Version": m.Version, "Time": m.Time})
		must(os.WriteFile(filepath.Join(dir, ev+".info"), info, 0o644))
		lists[dir] = append(lists[dir], m.Version)
	}
	for dir, versions := range lists {
		s := ""
		for _, v := range versions {
			s += v + "\n"
		}
		must(os.WriteFile(filepath.Join(dir, "list"), []byte(s), 0o644))
	}
}
