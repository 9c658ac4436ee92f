package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// repeatedKey finds the first object key that appears twice in one object of
// body, also when the two spellings differ only in case. Go's decoder keeps
// the last duplicate and matches field names without regard to case, so
// {"role":"source","ROLE":"target"} would otherwise be read as whichever came
// last: a reviewer reading the body and the code reading it would disagree.
// It returns "" for a body without one, and for a body that is not JSON (the
// decoder reports that, with a better message).
func repeatedKey(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	// Each open object has the set of its keys so far, folded to lower case;
	// an open array has nil. expectKey says the next string is a key.
	type frame struct{ keys map[string]bool }
	var stack []frame
	expectKey := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{keys: map[string]bool{}})
				expectKey = true
				continue
			case '[':
				stack = append(stack, frame{})
			case '}', ']':
				stack = stack[:len(stack)-1]
			}
		case string:
			if expectKey {
				folded := strings.ToLower(t)
				top := stack[len(stack)-1]
				if top.keys[folded] {
					return t
				}
				top.keys[folded] = true
				expectKey = false
				continue
			}
		}
		// After a value inside an object, the next token is a key again.
		expectKey = len(stack) > 0 && stack[len(stack)-1].keys != nil
	}
}

func duplicateKeyError(key string) error {
	if len(key) > 64 {
		key = key[:64] + "…"
	}
	return &Error{Status: http.StatusBadRequest, Code: "invalid_json", Message: fmt.Sprintf("the key %q appears more than once in one object (keys are compared without regard to case): send each field once", key)}
}
