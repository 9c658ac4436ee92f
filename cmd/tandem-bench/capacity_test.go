package main

import (
	"strings"
	"testing"
)

// Capacity units as DynamoDB's pricing pages reckon them: 1 KB per write
// unit, 4 KB per strongly consistent read unit (half for eventual), items
// rounded up, transactions doubled.
func TestCapacityUnits(t *testing.T) {
	s := func(n int) string { return `{"S":"` + strings.Repeat("x", n) + `"}` }
	for _, tc := range []struct {
		name        string
		op, in, out string
		read, write int64 // milli-units
	}{
		{"put of 1.5 KB: two write units", "PutItem", `{"Item":{"pk":` + s(10) + `,"doc":` + s(1500) + `}}`, `{}`, 0, 2000},
		{"consistent get of 5 KB: two read units", "GetItem", `{"ConsistentRead":true}`, `{"Item":{"doc":` + s(5000) + `}}`, 2000, 0},
		{"eventually consistent get of an absent item: half a unit", "GetItem", `{}`, `{}`, 500, 0},
		{"transaction of a small put and an update: doubled", "TransactWriteItems",
			`{"TransactItems":[{"Put":{"Item":{"pk":` + s(10) + `}}},{"Update":{"Key":{"pk":` + s(10) + `}}}]}`, `{}`, 0, 4000},
		{"batch write of two small puts", "BatchWriteItem",
			`{"RequestItems":{"t":[{"PutRequest":{"Item":{"pk":` + s(10) + `}}},{"PutRequest":{"Item":{"pk":` + s(1100) + `}}}]}}`, `{}`, 0, 3000},
		{"consistent batch get of two items", "BatchGetItem", `{"RequestItems":{"t":{"ConsistentRead":true}}}`,
			`{"Responses":{"t":[{"v":{"N":"12"}},{"doc":` + s(4100) + `}]}}`, 3000, 0},
		{"query sums its items before rounding", "Query", `{"ConsistentRead":true}`,
			`{"Items":[{"doc":` + s(3000) + `},{"doc":` + s(3000) + `}]}`, 2000, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, w := units(tc.op, []byte(tc.in), []byte(tc.out))
			if r != tc.read || w != tc.write {
				t.Fatalf("read %d, write %d milli-units; want %d, %d", r, w, tc.read, tc.write)
			}
		})
	}
}
