package jsonpath

// Comparison follows text/template's eq/lt functions as client-go copies them: both operands must be of a basic
// kind (bool, integer, unsigned integer, float, string), of the same kind except that signed and unsigned integers
// compare with each other, and only numbers and strings are ordered. So an int64 field never equals the literal
// 1.0 and a float64 field is never less than the literal 2: "incompatible types for comparison".

var (
	errBadComparisonType = &EvalError{Msg: "invalid type for comparison"}
	errBadComparison     = &EvalError{Msg: "incompatible types for comparison"}
)

type kind int

const (
	invalidKind kind = iota
	boolKind
	intKind
	uintKind
	floatKind
	stringKind
)

// scalar is an operand reduced to its kind and value.
type scalar struct {
	kind kind
	b    bool
	i    int64
	u    uint64
	f    float64
	s    string
}

func toScalar(v any) (scalar, error) {
	switch v := v.(type) {
	case bool:
		return scalar{kind: boolKind, b: v}, nil
	case int:
		return scalar{kind: intKind, i: int64(v)}, nil
	case int64:
		return scalar{kind: intKind, i: v}, nil
	case int32:
		return scalar{kind: intKind, i: int64(v)}, nil
	case uint8: // a byte of a string, from {.s.*}
		return scalar{kind: uintKind, u: uint64(v)}, nil
	case uint64:
		return scalar{kind: uintKind, u: v}, nil
	case float64:
		return scalar{kind: floatKind, f: v}, nil
	case float32:
		return scalar{kind: floatKind, f: float64(v)}, nil
	case string:
		return scalar{kind: stringKind, s: v}, nil
	}
	return scalar{}, errBadComparisonType
}

func operands(a, b any) (x, y scalar, err error) {
	if x, err = toScalar(a); err != nil {
		return x, y, err
	}
	y, err = toScalar(b)
	return x, y, err
}

func equal(a, b any) (bool, error) {
	x, y, err := operands(a, b)
	if err != nil {
		return false, err
	}
	switch {
	case x.kind == intKind && y.kind == uintKind:
		return x.i >= 0 && uint64(x.i) == y.u, nil
	case x.kind == uintKind && y.kind == intKind:
		return y.i >= 0 && x.u == uint64(y.i), nil
	case x.kind != y.kind:
		return false, errBadComparison
	}
	return x == y, nil
}

func less(a, b any) (bool, error) {
	x, y, err := operands(a, b)
	if err != nil {
		return false, err
	}
	switch {
	case x.kind == intKind && y.kind == uintKind:
		return x.i < 0 || uint64(x.i) < y.u, nil
	case x.kind == uintKind && y.kind == intKind:
		return y.i >= 0 && x.u < uint64(y.i), nil
	case x.kind != y.kind:
		return false, errBadComparison
	}
	switch x.kind {
	case intKind:
		return x.i < y.i, nil
	case uintKind:
		return x.u < y.u, nil
	case floatKind:
		return x.f < y.f, nil
	case stringKind:
		return x.s < y.s, nil
	}
	return false, errBadComparisonType // bools are not ordered
}

// compare evaluates left op right. An unknown operator fails only here, when there is something to compare, as in
// client-go.
func compare(op string, left, right any) (bool, error) {
	switch op {
	case "==":
		return equal(left, right)
	case "!=":
		eq, err := equal(left, right)
		return !eq, err
	case "<":
		return less(left, right)
	case "<=":
		lt, err := less(left, right)
		if lt || err != nil {
			return lt, err
		}
		return equal(left, right)
	case ">":
		lt, err := less(left, right)
		if lt || err != nil {
			return false, err
		}
		eq, err := equal(left, right)
		return !eq && err == nil, err
	case ">=":
		lt, err := less(left, right)
		if err != nil {
			return false, err
		}
		return !lt, nil
	}
	return false, evalErrorf("unrecognized filter operator %s", op)
}
