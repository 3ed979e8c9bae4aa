// Command interop checks the ledger's checkpoints, cosignatures and proofs with Go's own
// golang.org/x/mod/sumdb/note and tlog packages, as an outside verifier would.
//
// It reads one JSON file (written by tests/interop/test_go_interop.py) holding the notes, the
// keys and the proofs the service served, checks each, then fetches tiles from the running
// service (C2SP tlog-tiles under -base) and proves a record and the tree's growth through them.
// It prints one OK line per check and exits 1 on the first failure.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type input struct {
	Base        string   `json:"base"`
	Token       string   `json:"token"`
	VerifierKey string   `json:"verifier_key"`
	WitnessKeys []string `json:"witness_keys"`
	OldNote     string   `json:"old_note"`
	NewNote     string   `json:"new_note"`
	Inclusion   struct {
		LeafIndex int64    `json:"leaf_index"`
		ChainHash string   `json:"chain_hash"`
		Proof     []string `json:"proof"`
	} `json:"inclusion"`
	Consistency []string `json:"consistency"`
}

// cosigner verifies C2SP tlog-cosignature v1 (Ed25519) signature lines: x/mod 0.7's note
// package knows only Ed25519 note signatures (type 0x01).
type cosigner struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

func (c *cosigner) Name() string    { return c.name }
func (c *cosigner) KeyHash() uint32 { return c.hash }
func (c *cosigner) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	signed := append([]byte(fmt.Sprintf("cosignature/v1\ntime %d\n", t)), msg...)
	return ed25519.Verify(c.key, signed, sig[8:])
}

func newCosigner(vkey string) (*cosigner, error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		return nil, errors.New("malformed witness key")
	}
	key, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(key) != 33 || key[0] != 0x04 {
		return nil, errors.New("witness key is not an Ed25519 cosignature/v1 key")
	}
	h := sha256.Sum256(append([]byte(parts[0]+"\n"), key...))
	hash := binary.BigEndian.Uint32(h[:4])
	if fmt.Sprintf("%08x", hash) != parts[1] {
		return nil, errors.New("witness key hash does not match")
	}
	return &cosigner{parts[0], hash, ed25519.PublicKey(key[1:])}, nil
}

// openCheckpoint verifies a note with the log's key (and the witnesses'), and parses its body
// with tlog.ParseTree. A C2SP checkpoint starts with the log's origin where Go's sumdb tree
// note has "go.sum database tree"; the two lines after it, and ParseTree's tolerance of
// extension lines, are the same.
func openCheckpoint(text string, verifiers note.Verifiers) (*note.Note, tlog.Tree, error) {
	n, err := note.Open([]byte(text), verifiers)
	if err != nil {
		return nil, tlog.Tree{}, err
	}
	origin, rest, _ := strings.Cut(n.Text, "\n")
	if origin == "" {
		return nil, tlog.Tree{}, errors.New("no origin line")
	}
	tree, err := tlog.ParseTree([]byte("go.sum database tree\n" + rest))
	return n, tree, err
}

func hashes(texts []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(texts))
	for i, t := range texts {
		b, err := hex.DecodeString(t)
		if err != nil || len(b) != tlog.HashSize {
			return nil, fmt.Errorf("bad hash %q", t)
		}
		copy(out[i][:], b)
	}
	return out, nil
}

type client struct{ base, token string }

func (c client) get(path string) ([]byte, error) {
	req, err := http.NewRequest("GET", c.base+"/"+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return body, nil
}

// tiles reads C2SP tiles (tile/<L>/<N>[.p/<W>], height 8) for tlog.TileHashReader, whose
// own paths carry the height: tile/8/<L>/<N>[.p/<W>].
type tiles struct{ client }

func (tiles) Height() int { return 8 }

func (r tiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	data := make([][]byte, len(ts))
	for i, t := range ts {
		b, err := r.get("tile/" + strings.TrimPrefix(t.Path(), "tile/8/"))
		if err != nil {
			return nil, err
		}
		data[i] = b
	}
	return data, nil
}

func (tiles) SaveTiles([]tlog.Tile, [][]byte) {}

// entry fetches leaf `index` of a tree of `size` from its entry bundle.
func (c client) entry(index, size int64) ([]byte, error) {
	bundle := index / 256
	width := size - bundle*256
	if width > 256 {
		width = 256
	}
	t := tlog.Tile{H: 8, L: 0, N: bundle, W: int(width)}
	data, err := c.get("tile/entries/" + strings.TrimPrefix(t.Path(), "tile/8/0/"))
	if err != nil {
		return nil, err
	}
	for i := int64(0); len(data) >= 2; i++ {
		n := int(binary.BigEndian.Uint16(data[:2]))
		if len(data) < 2+n {
			break
		}
		if i == index%256 {
			return data[2 : 2+n], nil
		}
		data = data[2+n:]
	}
	return nil, errors.New("entry bundle too short")
}

func run(in input) error {
	logKey, err := note.NewVerifier(in.VerifierKey)
	if err != nil {
		return fmt.Errorf("verifier key: %w", err)
	}
	known := []note.Verifier{logKey}
	for _, w := range in.WitnessKeys {
		c, err := newCosigner(w)
		if err != nil {
			return err
		}
		known = append(known, c)
	}
	verifiers := note.VerifierList(known...)
	newNote, newTree, err := openCheckpoint(in.NewNote, verifiers)
	if err != nil {
		return fmt.Errorf("new checkpoint: %w", err)
	}
	if len(newNote.Sigs) != 1+len(in.WitnessKeys) {
		return fmt.Errorf("verified %d signatures, want %d", len(newNote.Sigs), 1+len(in.WitnessKeys))
	}
	fmt.Printf("OK note: %s signed tree %d; %d witness cosignature(s) verified\n",
		logKey.Name(), newTree.N, len(newNote.Sigs)-1)
	_, oldTree, err := openCheckpoint(in.OldNote, verifiers)
	if err != nil {
		return fmt.Errorf("old checkpoint: %w", err)
	}

	leaf, err := hex.DecodeString(in.Inclusion.ChainHash)
	if err != nil {
		return err
	}
	path, err := hashes(in.Inclusion.Proof)
	if err != nil {
		return err
	}
	if err := tlog.CheckRecord(path, newTree.N, newTree.Hash, in.Inclusion.LeafIndex, tlog.RecordHash(leaf)); err != nil {
		return fmt.Errorf("inclusion proof: %w", err)
	}
	fmt.Printf("OK inclusion: leaf %d in tree %d (served proof)\n", in.Inclusion.LeafIndex, newTree.N)
	proof, err := hashes(in.Consistency)
	if err != nil {
		return err
	}
	if err := tlog.CheckTree(proof, newTree.N, newTree.Hash, oldTree.N, oldTree.Hash); err != nil {
		return fmt.Errorf("consistency proof: %w", err)
	}
	fmt.Printf("OK consistency: tree %d extends tree %d (served proof)\n", newTree.N, oldTree.N)

	// Through the tiles alone: the checkpoint the service serves, then proofs from its tiles.
	c := client{strings.TrimRight(in.Base, "/"), in.Token}
	served, err := c.get("checkpoint")
	if err != nil {
		return err
	}
	_, tree, err := openCheckpoint(string(served), verifiers)
	if err != nil {
		return fmt.Errorf("served checkpoint: %w", err)
	}
	reader := tlog.TileHashReader(tree, tiles{c})
	for _, index := range []int64{0, in.Inclusion.LeafIndex, tree.N - 1} {
		entry, err := c.entry(index, tree.N)
		if err != nil {
			return err
		}
		if !bytes.Equal(entry, leaf) && index == in.Inclusion.LeafIndex {
			return fmt.Errorf("entry %d is not the chain hash the proof named", index)
		}
		p, err := tlog.ProveRecord(tree.N, index, reader)
		if err != nil {
			return fmt.Errorf("prove record %d from tiles: %w", index, err)
		}
		if err := tlog.CheckRecord(p, tree.N, tree.Hash, index, tlog.RecordHash(entry)); err != nil {
			return fmt.Errorf("record %d through tiles: %w", index, err)
		}
		fmt.Printf("OK tiles: entry %d proven in tree %d\n", index, tree.N)
	}
	p, err := tlog.ProveTree(tree.N, oldTree.N, reader)
	if err != nil {
		return fmt.Errorf("prove tree from tiles: %w", err)
	}
	if err := tlog.CheckTree(p, tree.N, tree.Hash, oldTree.N, oldTree.Hash); err != nil {
		return fmt.Errorf("tree through tiles: %w", err)
	}
	fmt.Printf("OK tiles: tree %d extends tree %d\n", tree.N, oldTree.N)
	return nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: interop INPUT.json")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	var in input
	if err == nil {
		err = json.Unmarshal(raw, &in)
	}
	if err == nil {
		err = run(in)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAILED:", err)
		os.Exit(1)
	}
}
