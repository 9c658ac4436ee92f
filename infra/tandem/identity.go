package tandem

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// identity is the Cognito user pool of organisation admins. The API trusts
// `custom:org_id` from the token as the caller's organisation, so only an
// operator can set it (self sign-up is off, the attribute is immutable and no
// app client may write it).
type identity struct {
	pool   awscognito.UserPool
	client awscognito.UserPoolClient
	// domain serves Cognito's managed login pages and OAuth endpoints.
	domain awscognito.UserPoolDomain
}

func newIdentity(scope constructs.Construct, id string, stage stageSettings, cfg Config) *identity {
	c := constructs.NewConstruct(scope, jsii.String(id))

	props := &awscognito.UserPoolProps{
		UserPoolName:      jsii.String("tandem-" + stage.name),
		SelfSignUpEnabled: jsii.Bool(false),
		SignInAliases:     &awscognito.SignInAliases{Email: jsii.Bool(true)},
		AutoVerify:        &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		AccountRecovery:   awscognito.AccountRecovery_EMAIL_ONLY,
		StandardAttributes: &awscognito.StandardAttributes{
			Email: &awscognito.StandardAttribute{Required: jsii.Bool(true), Mutable: jsii.Bool(true)},
		},
		CustomAttributes: &map[string]awscognito.ICustomAttribute{
			"org_id":   awscognito.NewStringAttribute(&awscognito.StringAttributeProps{Mutable: jsii.Bool(false)}),
			"org_name": awscognito.NewStringAttribute(&awscognito.StringAttributeProps{Mutable: jsii.Bool(true)}),
		},
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength:            jsii.Number(12),
			RequireLowercase:     jsii.Bool(true),
			RequireUppercase:     jsii.Bool(true),
			RequireDigits:        jsii.Bool(true),
			RequireSymbols:       jsii.Bool(true),
			TempPasswordValidity: awscdk.Duration_Days(jsii.Number(3)),
		},
		// These users hold the keys to their organisation's service desk, so a
		// second factor is required. TOTP only: SMS costs per message and
		// needs an SNS role.
		Mfa:             awscognito.Mfa_REQUIRED,
		MfaSecondFactor: &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)},

		FeaturePlan:        awscognito.FeaturePlan_ESSENTIALS,
		DeletionProtection: jsii.Bool(stage.deletionProtection),
		RemovalPolicy:      stage.removal,
	}
	if stage.threatProtection {
		// Blocks sign-ins that Cognito rates risky or that use a leaked password.
		props.FeaturePlan = awscognito.FeaturePlan_PLUS
		props.StandardThreatProtectionMode = awscognito.StandardThreatProtectionMode_FULL_FUNCTION
	}
	pool := awscognito.NewUserPool(c, jsii.String("UserPool"), props)
	if !stage.threatProtection {
		cdknag.NagSuppressions_AddResourceSuppressions(pool, &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-COG8"),
			Reason: jsii.String("Threat protection needs the Plus plan, billed per active user with no free allowance; " +
				"non-production pools hold only engineers' test accounts and still require MFA. Production enables it."),
		}}, nil)
	}

	// Managed login: Cognito's own sign-in pages, with the password policy
	// and TOTP MFA above, ending in an OAuth 2.0 authorization code that the
	// console or `tandem login` redeems with PKCE (a public client has no
	// secret to prove itself with). Both always get the ID token, which
	// carries custom:org_id.
	callbacks := append([]string{LoginCallbackURL}, cfg.CallbackURLs...)
	logouts := append([]string{LoginLogoutURL}, cfg.LogoutURLs...)
	client := pool.AddClient(jsii.String("AppClient"), &awscognito.UserPoolClientOptions{
		// A browser console and CLI tools cannot keep a secret.
		GenerateSecret: jsii.Bool(false),
		// SRP stays for clients that sign in without a browser.
		AuthFlows: &awscognito.AuthFlow{UserSrp: jsii.Bool(true)},
		OAuth: &awscognito.OAuthSettings{
			Flows:        &awscognito.OAuthFlows{AuthorizationCodeGrant: jsii.Bool(true)},
			Scopes:       &[]awscognito.OAuthScope{awscognito.OAuthScope_OPENID(), awscognito.OAuthScope_EMAIL(), awscognito.OAuthScope_PROFILE()},
			CallbackUrls: jsii.Strings(callbacks...),
			LogoutUrls:   jsii.Strings(logouts...),
		},
		SupportedIdentityProviders: &[]awscognito.UserPoolClientIdentityProvider{awscognito.UserPoolClientIdentityProvider_COGNITO()},
		// Tokens carry the organisation; users may edit their name only.
		WriteAttributes: awscognito.NewClientAttributes().WithStandardAttributes(&awscognito.StandardAttributesMask{
			Fullname: jsii.Bool(true),
		}),
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
	})

	// Domain prefixes are unique per region across all of AWS; the account
	// id makes the default one unique.
	prefix := jsii.String(cfg.AuthDomainPrefix)
	if cfg.AuthDomainPrefix == "" {
		prefix = awscdk.Fn_Join(jsii.String("-"), jsii.Strings("tandem", stage.name, *awscdk.Aws_ACCOUNT_ID()))
	}
	domain := pool.AddDomain(jsii.String("Domain"), &awscognito.UserPoolDomainOptions{
		CognitoDomain:       &awscognito.CognitoDomainOptions{DomainPrefix: prefix},
		ManagedLoginVersion: awscognito.ManagedLoginVersion_NEWER_MANAGED_LOGIN,
	})
	// Managed login shows an error page to a client without a style;
	// Cognito's default look is enough.
	awscognito.NewCfnManagedLoginBranding(c, jsii.String("Branding"), &awscognito.CfnManagedLoginBrandingProps{
		UserPoolId:               pool.UserPoolId(),
		ClientId:                 client.UserPoolClientId(),
		UseCognitoProvidedValues: jsii.Bool(true),
	})

	return &identity{pool: pool, client: client, domain: domain}
}
