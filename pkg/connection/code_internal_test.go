package connection

import (
	"math"
	"strings"
	"testing"
)

// Every letter of the alphabet is equally likely in a code: a bias would
// make guessing cheaper than the ≈78 bits claimed. The last letters are the
// ones a modulo bias (bytes 232..255 wrapping onto the first letters) or a
// broken rejection test would starve, so their share is checked against
// 5/29 within five standard deviations: a false failure about once in
// three million runs, while the bias moves the share by fifteen.
func TestCodeLettersAreUniform(t *testing.T) {
	const codes = 8000
	counts := map[byte]int{}
	for range codes {
		c, err := newCode()
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(c); i++ {
			if c[i] != '-' {
				counts[c[i]]++
			}
		}
	}
	for i := 0; i < len(codeAlphabet); i++ {
		if counts[codeAlphabet[i]] == 0 {
			t.Fatalf("letter %c never appears in %d codes", codeAlphabet[i], codes)
		}
	}
	n := float64(codes * codeLength)
	tail := 0
	for _, r := range codeAlphabet[len(codeAlphabet)-5:] {
		tail += counts[byte(r)]
	}
	p := 5.0 / float64(len(codeAlphabet))
	sd := math.Sqrt(p * (1 - p) / n)
	if got := float64(tail) / n; math.Abs(got-p) > 5*sd {
		t.Fatalf("the last five letters are %.4f of all letters, want %.4f ± %.4f: codes are biased", got, p, 5*sd)
	}
	if strings.ContainsAny(string(codeAlphabet), "01ILOUV") {
		t.Fatal("the alphabet has a character a person could misread")
	}
}
