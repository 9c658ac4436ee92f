package tandem

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"
)

// Once the user pool has a Cognito domain (managed login), the console's
// config names it and its CSP lets the page call its token endpoint;
// without one, neither does. The full stack's tests cover the rest.
func TestConsoleFindsManagedLogin(t *testing.T) {
	if _, set := os.LookupEnv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"); !set {
		t.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
	}
	defer jsii.Close()
	for _, withDomain := range []bool{false, true} {
		app := awscdk.NewApp(nil)
		name := "WithoutDomain"
		if withDomain {
			name = "WithDomain"
		}
		stack := awscdk.NewStack(app, jsii.String(name), nil)
		pool := awscognito.NewUserPool(stack, jsii.String("Pool"), nil)
		users := &identity{pool: pool, client: pool.AddClient(jsii.String("Client"), nil)}
		if withDomain {
			pool.AddDomain(jsii.String("Domain"), &awscognito.UserPoolDomainOptions{
				CognitoDomain: &awscognito.CognitoDomainOptions{DomainPrefix: jsii.String("tandem-test")},
			})
		}
		c := newConsole(stack, "Console", jsii.String("https://abc123.execute-api.eu-west-1.amazonaws.com/"), users)
		if (c.authDomain != nil) != withDomain {
			t.Errorf("%s: managed login found: %v", name, c.authDomain != nil)
		}
		raw, err := json.Marshal(assertions.Template_FromStack(stack, nil).ToJSON())
		if err != nil {
			t.Fatal(err)
		}
		tmpl := string(raw)
		var domainID string
		for id := range *assertions.Template_FromStack(stack, nil).FindResources(jsii.String("AWS::Cognito::UserPoolDomain"), nil) {
			domainID = id
		}
		mentions := domainID != "" && strings.Count(tmpl, `"Ref":"`+domainID+`"`) >= 2
		if withDomain && !mentions {
			t.Errorf("%s: the config function and the CSP do not both name the domain %s:\n%s", name, domainID, tmpl)
		}
		if !withDomain && (domainID != "" || !strings.Contains(tmpl, `connect-src 'self'; base-uri`) || !strings.Contains(tmpl, `\"authDomain\":\"\"`)) {
			t.Errorf("%s: without managed login the CSP and config must name no other origin:\n%s", name, tmpl)
		}
	}
}
