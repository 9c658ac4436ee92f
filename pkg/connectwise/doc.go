// Package connectwise is Tandem's client for ConnectWise PSA (Manage): it
// validates credentials, tests them, reads and writes service tickets, notes
// and documents, reads picklists, registers ticket callbacks, and verifies
// and parses callback deliveries.
//
// Sources it follows (see also /work/shared/platforms.md §2):
//   - ConnectWise Developer Guide, https://developer.connectwise.com/Products/Manage/Developer_Guide
//     (authentication with companyId+publicKey:privateKey and the clientId
//     header, https://developer.connectwise.com/ClientID; pagination; callbacks
//     and their x-content-signature);
//   - the ConnectWise PSA REST reference, https://developer.connectwise.com/Products/ConnectWise_PSA/REST
//     (/service/tickets, notes, /service/boards/{id}/statuses|types|subtypes,
//     /service/priorities, /system/userDefinedFields, /system/documents,
//     /system/callbacks, the {"code","message","errors"} error body);
//   - codebase discovery via /login/companyinfo/{company}, as public clients
//     such as pyconnectwise do.
//
// All requests go through pkg/egress. Nothing here logs; errors are
// *platform.Error values whose messages never contain a key.
package connectwise
