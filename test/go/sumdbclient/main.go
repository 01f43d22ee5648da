// Command sumdbclient looks records up in a Go checksum database with Go's own
// client (golang.org/x/mod/sumdb.Client, the code inside the go command): it
// checks the tree note's signature, each record's inclusion from the hash
// tiles, and that every tree it sees extends the one it saw before (the
// latest tree is kept in a config folder between runs).
//
// Requests round-robin over several server URLs, as a load balancer in front
// of replicas would: the replicas must serve one tree.
//
// Usage: sumdbclient <config dir> <vkey> <url>[,<url>…] <module>@<version>…
// Prints each record's go.sum lines; exits 1 on any error, 2 on a security error.
// Built in GOPATH mode against Debian's golang-golang-x-mod-dev (test/go/sumdb-replicas.test.ts).
package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb"
)

type ops struct {
	dir  string
	vkey string
	urls []string
	next int
}

func (o *ops) ReadRemote(path string) ([]byte, error) {
	u := o.urls[o.next%len(o.urls)] + path
	o.next++
	resp, err := http.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

func (o *ops) file(name string) string {
	return filepath.Join(o.dir, strings.ReplaceAll(name, "/", "_"))
}

func (o *ops) ReadConfig(file string) ([]byte, error) {
	if file == "key" {
		return []byte(o.vkey), nil
	}
	data, err := os.ReadFile(o.file(file))
	if os.IsNotExist(err) {
		return nil, nil // start from an empty tree
	}
	return data, err
}

func (o *ops) WriteConfig(file string, old, new []byte) error {
	have, _ := o.ReadConfig(file)
	if !bytes.Equal(have, old) {
		return sumdb.ErrWriteConflict
	}
	return os.WriteFile(o.file(file), new, 0o600)
}

func (o *ops) ReadCache(file string) ([]byte, error) { return nil, os.ErrNotExist }
func (o *ops) WriteCache(file string, data []byte)   {}
func (o *ops) Log(msg string)                        { fmt.Fprintln(os.Stderr, msg) }
func (o *ops) SecurityError(msg string) {
	fmt.Fprintln(os.Stderr, "SECURITY ERROR:", msg)
	os.Exit(2)
}

func main() {
	if len(os.Args) < 5 {
		fmt.Fprintln(os.Stderr, "usage: sumdbclient <config dir> <vkey> <url>[,<url>…] <module>@<version>…")
		os.Exit(1)
	}
	o := &ops{dir: os.Args[1], vkey: os.Args[2], urls: strings.Split(os.Args[3], ",")}
	c := sumdb.NewClient(o)
	for _, mv := range os.Args[4:] {
		i := strings.LastIndex(mv, "@")
		lines, err := c.Lookup(mv[:i], mv[i+1:])
		if err != nil {
			fmt.Fprintln(os.Stderr, "lookup", mv+":", err)
			os.Exit(1)
		}
		for _, l := range lines {
			fmt.Println(l)
		}
	}
}
