package integration

import "github.com/tandemsync/tandem/pkg/platform"

// The catalogs below are what the platform packages' Picklist calls return
// for the example organisations: a customer on Autotask escalating to an MSP
// on Halo, and a ConnectWise MSP for the board rules.

func opt(id, name string) platform.Option { return platform.Option{ID: id, Name: name, Active: true} }

func email(id, name string) platform.Option {
	o := opt(id, name)
	o.IsEmail = true
	return o
}

func field(id string, t FieldType) platform.Option {
	o := opt(id, id)
	o.Type = string(t)
	return o
}

func autotaskCatalog() Catalog {
	inactive := opt("14", "Waiting Approval (old)")
	inactive.Active = false
	return Catalog{Picklists: map[platform.PicklistKind][]platform.Option{
		platform.PickStatuses: {
			opt("1", "New"), opt("5", "Complete"), opt("7", "Waiting Customer"), opt("8", "In Progress"),
			opt("10", "Waiting Vendor"), opt("13", "Waiting Materials"), inactive,
		},
		platform.PickPriorities:  {opt("1", "High"), opt("2", "Medium"), opt("3", "Low"), opt("4", "Critical")},
		platform.PickCategories:  {opt("2", "Standard"), opt("3", "AEM Alert")},
		platform.PickTicketTypes: {opt("1", "Service Request"), opt("2", "Incident"), opt("3", "Problem"), opt("4", "Change Request"), opt("5", "Alert")},
		platform.PickQueues:      {opt("5", "Level I Support"), opt("6", "Level II Support"), opt("8", "Monitoring Alert")},
		platform.PickActions: {
			opt("1", "Task Summary"), opt("2", "Task Detail"), opt("3", "Task Notes"), opt("13", "Client Portal Note"),
			opt("20", "MSP Update"), opt("21", "MSP Reply to User"),
		},
		platform.PickCustomFields: {
			field("Escalate to MSP", TypeBoolean), field("Contract Number", TypeText),
			field("Service Level", TypePicklist), field("Go-Live Date", TypeDate),
		},
	}}
}

func haloCatalog() Catalog {
	return Catalog{Picklists: map[platform.PicklistKind][]platform.Option{
		platform.PickStatuses: {
			opt("1", "New"), opt("2", "In Progress"), opt("3", "Action Required"), opt("4", "Waiting on User"),
			opt("5", "Waiting on Supplier"), opt("8", "Resolved"), opt("9", "Closed"),
		},
		platform.PickPriorities:  {opt("1", "Critical"), opt("2", "High"), opt("3", "Medium"), opt("4", "Low")},
		platform.PickCategories:  {opt("10", "Hardware"), opt("11", "Software"), opt("12", "Network")},
		platform.PickTicketTypes: {opt("1", "Incident"), opt("3", "Service Request"), opt("4", "Problem"), opt("5", "Change Request"), opt("28", "Customer Escalation")},
		platform.PickQueues:      {opt("1", "1st Line Support"), opt("2", "2nd Line Support"), opt("5", "Escalations")},
		platform.PickActions: {
			email("1", "Email User"), opt("2", "Private Note"), opt("3", "Update from Customer"),
			opt("4", "Customer Reply via Portal"), opt("5", "Resolve Third Party Ticket"),
			opt("7", "Update to Customer"), opt("8", "Indirect Email to End User"), email("9", "Log to Supplier"),
		},
		// CFServiceLevel is missing on purpose: the target example declares
		// it under customFields.
		platform.PickCustomFields: {field("CFContractRef", TypeText), field("CFGoLive", TypeDate), field("CFCustomerRef", TypeText)},
	}}
}

func connectwiseCatalog() Catalog {
	onBoard := func(id, name, board string) platform.Option {
		o := opt(id, name)
		o.Parent = board
		return o
	}
	return Catalog{
		Picklists: map[platform.PicklistKind][]platform.Option{
			platform.PickStatuses: {
				onBoard("550", "New", "12"), onBoard("551", "In Progress", "12"), onBoard("555", "Completed", "12"),
				onBoard("610", "New (Projects)", "20"),
			},
			platform.PickPriorities:  {opt("8", "Priority 1 - Emergency"), opt("15", "Priority 3 - Normal")},
			platform.PickTicketTypes: {opt("101", "Incident"), opt("102", "Request")},
			platform.PickQueues:      {opt("12", "Help Desk"), opt("20", "Projects"), opt("30", "Sales")},
			platform.PickActions:     {opt("desc", "Discussion"), opt("int", "Internal Analysis"), opt("res", "Resolution")},
		},
		Boards: map[string]Board{
			"12": {HasStatuses: true, HasDefaultTeam: true},
			"20": {HasStatuses: true, HasDefaultTeam: true},
			"30": {HasStatuses: false, HasDefaultTeam: false},
		},
	}
}
