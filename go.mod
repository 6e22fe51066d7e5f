module github.com/kubemem/kubemem

go 1.26.0

require github.com/stretchr/testify v1.12.1

require (
	github.com/evanphx/json-patch/v5 v5.9.11 // indirect
	github.com/google/btree v1.1.3 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)
