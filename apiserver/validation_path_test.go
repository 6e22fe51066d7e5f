package apiserver

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/types"
)

func TestVPathBuildsTheFieldPath(t *testing.T) {
	deep := pathOf(vSpecPath)
	want := vSpecPath
	for i := range 2*vpathDepth + 3 { // past the depth, where elements fold into the base
		if i%2 == 0 {
			deep, want = deep.child("f"), want.Child("f")
		} else {
			deep, want = deep.index(i), want.Index(i)
		}
	}
	for _, tt := range []struct {
		name string
		got  vpath
		want *types.FieldPath
	}{
		{"root", vpath{}.child("spec"), types.NewFieldPath("spec")},
		{"base", pathOf(vSpecPath), vSpecPath},
		{"index", pathOf(vSpecPath).child("containers").index(0).child("name"), vSpecPath.Child("containers").Index(0).Child("name")},
		{"key", pathOf(vSpecPath).child("overhead").child("limits").key("cpu"), vSpecPath.Child("overhead", "limits").Key("cpu")},
		{"large index", pathOf(nil).child("items").index(1234), types.NewFieldPath("items").Index(1234)},
		{"deep", deep, want},
	} {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.got.path())
			require.Equal(t, tt.want.String(), tt.got.path().String())
		})
	}
}

func TestVPathChildLeavesTheParentAlone(t *testing.T) {
	p := pathOf(vSpecPath).child("containers")
	a, b := p.index(0), p.index(1)
	require.Equal(t, "spec.containers", p.path().String())
	require.Equal(t, "spec.containers[0]", a.path().String())
	require.Equal(t, "spec.containers[1]", b.path().String())
}
