package autotasksim

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// autotaskEscape rewrites the string literals of a JSON document the way
// Autotask serialises before signing: HTML-sensitive characters, quotes,
// backquote and plus as \u00XX, and everything outside ASCII as UTF-16
// \uXXXX escapes (upper-case hex). Escapes already present are kept, except
// \" which becomes \u0022.
func autotaskEscape(doc []byte) []byte {
	var b strings.Builder
	inString := false
	for i := 0; i < len(doc); {
		r, size := utf8.DecodeRune(doc[i:])
		switch {
		case !inString:
			if r == '"' {
				inString = true
			}
			b.WriteRune(r)
		case r == '\\' && i+1 < len(doc):
			if doc[i+1] == '"' {
				b.WriteString(`\u0022`)
			} else {
				b.WriteByte('\\')
				b.WriteByte(doc[i+1])
			}
			i += 2
			continue
		case r == '"':
			inString = false
			b.WriteRune(r)
		case strings.ContainsRune("&<>'`+", r):
			fmt.Fprintf(&b, `\u%04X`, r)
		case r > 127:
			if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
				fmt.Fprintf(&b, `\u%04X\u%04X`, r1, r2)
			} else {
				fmt.Fprintf(&b, `\u%04X`, r)
			}
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return []byte(b.String())
}
