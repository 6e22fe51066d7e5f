package fieldmanager

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestManagerFromUserAgent(t *testing.T) {
	cases := []struct{ ua, want string }{
		{"kubectl/v1.37.0 (linux/amd64) kubernetes/abcdef0", "kubectl"},
		{"kube-controller-manager/v1.37.0 (linux/amd64) kubernetes/abcdef0/system:serviceaccount:kube-system:deployment-controller", "kube-controller-manager"},
		{"Go-http-client/1.1", "Go-http-client"},
		{"main.test", "main.test"},
		{"", ""},
		{"/v1", ""},
		{"a\x00b\tc/1", "abc"},
		{strings.Repeat("x", 200), strings.Repeat("x", 128)},
		{strings.Repeat("x", 127) + "é/1", strings.Repeat("x", 127)}, // é does not fit in 128 bytes
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, ManagerFromUserAgent(tc.ua), tc.ua)
	}
}

func TestValidateManager(t *testing.T) {
	require.Empty(t, ValidateManager(""))
	require.Empty(t, ValidateManager("kubectl"))
	require.Empty(t, ValidateManager(strings.Repeat("x", 128)))
	require.Equal(t, "fieldManager: Too long: may not be more than 128 bytes",
		ValidateManager(strings.Repeat("x", 129)).ToAggregate().Error())
	require.Equal(t, `fieldManager: Invalid value: "a\x00": invalid character U+0000 (at position 1)`,
		ValidateManager("a\x00").ToAggregate().Error())
}
