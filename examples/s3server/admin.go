package main

import (
	"net/http"

	"github.com/s3auth/s3auth"
)

// adminHandler serves the admin API under /s3auth/admin/v1/.
func adminHandler(a *s3auth.Auth) http.Handler {
	if h, ok := any(a).(interface{ AdminHandler() http.Handler }); ok {
		return h.AdminHandler()
	}
	return nil
}
