package testtool

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Registry is a real CNCF distribution registry (Debian's docker-registry)
// started for one test on a loopback port, with htpasswd authentication
// and TLS under a self-signed certificate.
type Registry struct {
	Addr     string // host:port, on 127.0.0.1
	User     string
	Password string
	CAFile   string // PEM certificate of the registry (its own CA)
	Storage  string // filesystem storage root (docker/registry/v2/...)
	cmd      *exec.Cmd
	exited   chan struct{}
}

// StartRegistry runs docker-registry for t; it is killed when t ends.
// Locally a missing docker-registry skips t; in CI it fails it.
func StartRegistry(t testing.TB) *Registry {
	t.Helper()
	bin := Need(t, "docker-registry")
	dir := t.TempDir()
	r := &Registry{User: "site", Password: "s3cret-" + fmt.Sprint(time.Now().UnixNano()%100000), Storage: filepath.Join(dir, "storage"), exited: make(chan struct{})}
	hash, err := bcrypt.GenerateFromPassword([]byte(r.Password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	htpasswd := filepath.Join(dir, "htpasswd")
	if err := os.WriteFile(htpasswd, []byte(r.User+":"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := selfSigned(certFile, keyFile); err != nil {
		t.Fatal(err)
	}
	r.CAFile = certFile
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.Addr = ln.Addr().String()
	ln.Close()
	// No blob descriptor cache: tests edit the storage under the
	// registry's feet and want it to see the change.
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
  tls:
    certificate: %s
    key: %s
auth:
  htpasswd:
    realm: phoneload-test
    path: %s
`, r.Storage, r.Addr, certFile, keyFile, htpasswd)
	cfgFile := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		t.Fatal(err)
	}
	r.cmd = exec.Command(bin, "serve", cfgFile)
	r.cmd.Stdout, r.cmd.Stderr = logf, logf
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.cmd.Wait(); logf.Close(); close(r.exited) }()
	t.Cleanup(r.Kill)
	pool := x509.NewCertPool()
	pem, _ := os.ReadFile(certFile)
	pool.AppendCertsFromPEM(pem)
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{TLSClientConfig: tlsConfig(pool)}}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := client.Get("https://" + r.Addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusUnauthorized {
				return r
			}
		}
		select {
		case <-r.exited:
			log, _ := os.ReadFile(logf.Name())
			t.Fatalf("docker-registry exited at start:\n%s", log)
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logf.Name())
			t.Fatalf("docker-registry did not answer on %s: %v\n%s", r.Addr, err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Kill stops the registry at once (SIGKILL), as a crashed server.
func (r *Registry) Kill() {
	if r.cmd.Process != nil {
		r.cmd.Process.Kill()
		<-r.exited
	}
}

// BlobPath is where the registry stores the blob with the given hex
// SHA-256 (the filesystem driver's layout).
func (r *Registry) BlobPath(hexDigest string) string {
	return filepath.Join(r.Storage, "docker", "registry", "v2", "blobs", "sha256", hexDigest[:2], hexDigest, "data")
}

// DockerConfig writes a ~/.docker/config.json directory holding the
// given credentials for the registry and returns it (for $DOCKER_CONFIG).
func (r *Registry) DockerConfig(t testing.TB, user, password string) string {
	t.Helper()
	dir := t.TempDir()
	auth := base64Std(user + ":" + password)
	cfg := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, r.Addr, auth)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func selfSigned(certFile, keyFile string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "phoneload test registry"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return err
	}
	return os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
}

func tlsConfig(pool *x509.CertPool) *tls.Config {
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

func base64Std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
