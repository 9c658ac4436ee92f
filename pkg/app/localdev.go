package app

// Local-only sign-in for `sam local start-api`, which does not run the JWT
// authorizer: with both variables set, the functions accept the dev bearer
// ("Authorization: Bearer dev:<orgId>", see api.Auth.DevBearer).
//
// LocalDevAuthEnv is set by hand in events/env.json; AWS_SAM_LOCAL is set
// by the SAM CLI itself in its containers. A deployed function has neither:
// infra's tests fail if the template sets either on any function.
const (
	LocalDevAuthEnv = "TANDEM_LOCAL_DEV_AUTH"
	samLocalEnv     = "AWS_SAM_LOCAL"
)

// localDevAuth reports whether the dev bearer is accepted, reading the
// environment through getenv (os.Getenv).
func localDevAuth(getenv func(string) string) bool {
	return getenv(LocalDevAuthEnv) == "1" && getenv(samLocalEnv) == "true"
}
