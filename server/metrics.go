package server

import (
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/sundialdb/sundial/session"
)

// latencyBuckets spans 50µs to 10s: feature requests live at the low end,
// SQL (batch queries, LOAD DATA) at the high end.
var latencyBuckets = []float64{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// metrics are the server's Prometheus metrics, in a registry of their own
// (so that several servers can live in one process, as in tests).
type metrics struct {
	reg *prometheus.Registry

	httpRequests *prometheus.CounterVec   // route, code
	fast         prometheus.Counter       // feature requests read on the fast path (fastpath.go)
	httpDuration *prometheus.HistogramVec // route

	depRequests *prometheus.CounterVec   // db, deployment
	depErrors   *prometheus.CounterVec   // db, deployment
	depRows     *prometheus.CounterVec   // db, deployment
	depDuration *prometheus.HistogramVec // db, deployment

	inserted *prometheus.CounterVec // db, table

	// The children of the deployment metrics, by (db, deployment) in lower
	// case: looked up once per request without building label values.
	depMu sync.RWMutex
	deps  map[depKey]*depMetrics
}

type depKey struct{ db, name string }

// depMetrics are the metrics of one deployment.
type depMetrics struct {
	requests, errors, rows prometheus.Counter
	duration               prometheus.Observer
}

// routeMetrics are the metrics of one route: its count of 200s and its
// duration (other statuses are counted through the vector).
type routeMetrics struct {
	ok       prometheus.Counter
	duration prometheus.Observer
}

func (m *metrics) route(pattern string) *routeMetrics {
	return &routeMetrics{ok: m.httpRequests.WithLabelValues(pattern, "200"), duration: m.httpDuration.WithLabelValues(pattern)}
}

// deployment returns the metrics of deployment db.name.
func (m *metrics) deployment(db, name string) *depMetrics {
	k := depKey{strings.ToLower(db), strings.ToLower(name)}
	m.depMu.RLock()
	d := m.deps[k]
	m.depMu.RUnlock()
	if d != nil {
		return d
	}
	m.depMu.Lock()
	defer m.depMu.Unlock()
	if d = m.deps[k]; d == nil {
		d = &depMetrics{
			requests: m.depRequests.WithLabelValues(k.db, k.name),
			errors:   m.depErrors.WithLabelValues(k.db, k.name),
			rows:     m.depRows.WithLabelValues(k.db, k.name),
			duration: m.depDuration.WithLabelValues(k.db, k.name),
		}
		m.deps[k] = d
	}
	return d
}

func newMetrics(inst *session.Instance) *metrics {
	m := &metrics{reg: prometheus.NewRegistry(), deps: map[depKey]*depMetrics{}}
	m.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sundial_http_requests_total",
		Help: "HTTP requests served, by route pattern and status code.",
	}, []string{"route", "code"})
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "sundial_http_request_duration_seconds",
		Help:    "Time to serve an HTTP request (read, decode, run, write), by route pattern.",
		Buckets: latencyBuckets,
	}, []string{"route"})
	m.depRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sundial_deployment_requests_total",
		Help: "Feature requests to a deployment (POST /dbs/{db}/deployments/{name}).",
	}, []string{"db", "deployment"})
	m.depErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sundial_deployment_errors_total",
		Help: "Feature requests to a deployment that failed (bad input or an execution error).",
	}, []string{"db", "deployment"})
	m.depRows = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sundial_deployment_request_rows_total",
		Help: "Request rows answered by a deployment (a request may carry several).",
	}, []string{"db", "deployment"})
	m.depDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "sundial_deployment_request_duration_seconds",
		Help:    "Time to answer a feature request, from the body read to the response written.",
		Buckets: latencyBuckets,
	}, []string{"db", "deployment"})
	m.inserted = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sundial_rows_inserted_total",
		Help: "Rows inserted through PUT /dbs/{db}/tables/{table}.",
	}, []string{"db", "table"})
	m.fast = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "sundial_http_fast_requests_total",
		Help: "Feature requests read and answered on the connection without net/http (the rest are handed to it).",
	})
	m.reg.MustRegister(m.fast, m.httpRequests, m.httpDuration, m.depRequests, m.depErrors, m.depRows, m.depDuration, m.inserted,
		&storeCollector{inst: inst},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// storeCollector reports each table's rows and bytes from its online store
// (storage.Table.Stats) at scrape time.
type storeCollector struct {
	inst *session.Instance
}

var (
	tableRowsDesc = prometheus.NewDesc("sundial_table_rows",
		"Rows held by a table's online store.", []string{"db", "table"}, nil)
	tableBytesDesc = prometheus.NewDesc("sundial_table_bytes",
		"Bytes held by a table's online store (index arenas, row chunks, row directory).", []string{"db", "table"}, nil)
)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- tableRowsDesc
	ch <- tableBytesDesc
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	cat := c.inst.Catalog
	for _, db := range cat.Databases() {
		tables, err := cat.Tables(db)
		if err != nil {
			continue
		}
		for _, t := range tables {
			st, err := c.inst.Stored(t)
			if err != nil {
				continue
			}
			s := st.Stats()
			name := strings.ToLower(t.Name)
			ch <- prometheus.MustNewConstMetric(tableRowsDesc, prometheus.GaugeValue, float64(s.Rows), db, name)
			ch <- prometheus.MustNewConstMetric(tableBytesDesc, prometheus.GaugeValue, float64(s.Bytes), db, name)
		}
	}
}
