package integration

import (
	"strings"

	"github.com/tandemsync/tandem/pkg/platform"
)

// customFieldDefs checks my definitions and builds myFields from them and my
// catalog, so later checks resolve both alike.
func (c *checker) customFieldDefs(defs []CustomFieldDef) {
	c.myFields = make(map[string]FieldType, len(c.mine[platform.PickCustomFields])+len(defs))
	for id, o := range c.mine[platform.PickCustomFields] {
		c.myFields[id] = FieldType(o.Type)
	}
	// Names are compared case-insensitively: the platforms treat "Region"
	// and "region" as one field.
	seen := make(map[string]int, len(defs))
	for i, d := range defs {
		path := row("customFields", i)
		key := strings.ToLower(d.Name)
		if d.Name == "" {
			c.errs.Add(path, "name is required")
			continue
		}
		if j, dup := seen[key]; dup {
			c.errs.Add(path, "name %q is already defined in %s", d.Name, row("customFields", j))
			continue
		}
		seen[key] = i
		if !d.Type.valid() {
			c.errs.Add(path, "type %q is not one of text, number, date, boolean, picklist", d.Type)
			continue
		}
		c.picklistValues(path, d)
		if t, onPlatform := c.myFields[d.Name]; onPlatform && t != d.Type {
			c.errs.Add(path, "%s already has field %q as %s, not %s", displayName(c.side.Platform), d.Name, t, d.Type)
			continue
		}
		c.myFields[d.Name] = d.Type
	}
}

func (c *checker) picklistValues(path string, d CustomFieldDef) {
	if d.Type != TypePicklist {
		if len(d.Values) > 0 {
			c.errs.Add(path, "only picklist fields have values; %q is %s", d.Name, d.Type)
		}
		return
	}
	if len(d.Values) == 0 {
		c.errs.Add(path, "picklist %q needs at least one value", d.Name)
	}
	seen := make(map[string]bool, len(d.Values))
	for _, v := range d.Values {
		switch {
		case v == "":
			c.errs.Add(path, "picklist %q has an empty value", d.Name)
		case seen[v]:
			c.errs.Add(path, "picklist %q lists value %q twice", d.Name, v)
		}
		seen[v] = true
	}
}

func (c *checker) fieldMappings(rows []Mapping) {
	dup := newDuplicates("fieldMappings", len(rows))
	for i, r := range rows {
		path := row("fieldMappings", i)
		dup.check(c, i, "field", r.Partner)
		pt, pok := c.partnerFieldType(path, r.Partner)
		mt, mok := c.myFieldType(path, r.Mine)
		if pok && mok && pt != mt {
			c.errs.Add(path, "partner field %q is %s but %q is %s; only fields of the same type can be mapped", r.Partner, pt, r.Mine, mt)
		}
	}
}

func (c *checker) partnerFieldType(path, ref string) (FieldType, bool) {
	if t, ok := standardFields[ref]; ok {
		return t, true
	}
	key, ok := customKey(ref)
	if !ok {
		c.errs.Add(path, "partner field %q is not summary, startDate, targetDate or custom:<key>", ref)
		return "", false
	}
	o, ok := c.partnerHas(path, platform.PickCustomFields, key)
	return FieldType(o.Type), ok
}

func (c *checker) myFieldType(path, ref string) (FieldType, bool) {
	if t, ok := standardFields[ref]; ok {
		return t, true
	}
	key, ok := customKey(ref)
	if !ok {
		c.errs.Add(path, "field %q is not summary, startDate, targetDate or custom:<key>", ref)
		return "", false
	}
	t, ok := c.myFields[key]
	if !ok {
		c.errs.Add(path, "custom field %q does not exist on %s; define it under customFields", key, displayName(c.side.Platform))
	}
	return t, ok
}
