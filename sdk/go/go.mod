module github.com/evalguard/evalguard-go

go 1.19
