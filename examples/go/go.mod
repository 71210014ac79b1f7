module example.invalid/pas-example

go 1.22

require example.invalid/pas v0.0.0

replace example.invalid/pas => ../../bindings/go
