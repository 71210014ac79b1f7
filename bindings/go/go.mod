module example.invalid/pas

go 1.22
