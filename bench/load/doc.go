// Package load is a load test of kubemem over loopback HTTP.
package load
