package connection

import (
	"math"
	"strings"
	"testing"
)

// Every letter of the alphabet is equally likely in a code: a bias would
// make guessing cheaper than the ≈78 bits claimed. Each letter's share is
// checked against 1/29, and the last five letters' together against 5/29
// (a modulo bias, bytes 232..255 wrapping onto the first letters, starves
// them), within five standard deviations: a false failure about once in
// fifty thousand runs, while accepting one byte too many moves a letter by
// eight and the modulo bias moves the last five by fifteen.
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
	n := float64(codes * codeLength)
	one := 1 / float64(len(codeAlphabet))
	oneSD := math.Sqrt(one * (1 - one) / n)
	for i := 0; i < len(codeAlphabet); i++ {
		if got := float64(counts[codeAlphabet[i]]) / n; math.Abs(got-one) > 5*oneSD {
			t.Fatalf("letter %c is %.4f of all letters, want %.4f ± %.4f", codeAlphabet[i], got, one, 5*oneSD)
		}
	}
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
