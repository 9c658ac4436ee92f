package app

import "testing"

func TestLocalDevAuthNeedsBothVariables(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want bool
	}{
		{env: map[string]string{}, want: false},
		{env: map[string]string{LocalDevAuthEnv: "1"}, want: false}, // a deployed function, misconfigured
		{env: map[string]string{samLocalEnv: "true"}, want: false},  // sam local without the opt-in
		{env: map[string]string{LocalDevAuthEnv: "true", samLocalEnv: "true"}, want: false},
		{env: map[string]string{LocalDevAuthEnv: "1", samLocalEnv: "true"}, want: true},
	} {
		if got := localDevAuth(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("%v: dev bearer accepted = %v, want %v", tc.env, got, tc.want)
		}
	}
}
