package container

import (
	"errors"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
)

// Reading ahead (WalkAhead): the files of a listing are taken in batches
// of aheadBatch consecutive files by aheadWorkers goroutines, which open
// each and read it whole into the batch's buffer when it fits (up to
// aheadMax bytes a file, aheadHold a batch); fn then gets the batches in
// order. A file that does not fit is opened and read by fn's goroutine
// when its turn comes, as by Walk, so no descriptor stays open ahead.
// Variables so that tests can cross every bound with a few small files.
var (
	aheadMax   = 64 << 10
	aheadHold  = 256 << 10
	aheadBatch = 64
	aheadSlots = 8 // batches read ahead or being read, at most
)

// aheadWorkers is how many goroutines read ahead: two at least, so that
// one waits in the kernel while another copies, four at most.
func aheadWorkers() int { return min(max(runtime.GOMAXPROCS(0), 2), 4) }

// aheadFile is one file of a batch.
type aheadFile struct {
	rec     uint32
	e       Entry // set when held or openErr
	held    bool  // read whole: data, then readErr (io.EOF when whole)
	data    []byte
	readErr error
	openErr error // the open failed: fn is not called, the walk stops
}

type aheadSlot struct {
	files []aheadFile
	buf   []byte
	ready chan struct{} // one value when files are filled
}

// heldReader yields a file read ahead: its bytes, then the error reading
// it ended with (io.EOF when it was whole). As the file's own reader, it
// fails after the bytes before the failure.
type heldReader struct {
	data []byte
	err  error
}

func (h *heldReader) Read(p []byte) (int, error) {
	if len(h.data) == 0 {
		return 0, h.err
	}
	n := copy(p, h.data)
	h.data = h.data[n:]
	return n, nil
}

// walkAhead calls fn for files in order, on the calling goroutine, while
// other goroutines open the files after the current one and read the
// small ones: the system calls of a root of many small files (open, stat,
// read, close) run on every core and overlap what fn does with each
// (parsing it). What fn sees and the error returned are Walk's: an open
// that fails is returned when its turn comes, a read that fails is the
// error of the file's reader.
func walkAhead(files []uint32, size func(uint32) int64, open func(uint32) (Entry, io.ReadCloser, error), fn WalkFunc) error {
	nb := (len(files) + aheadBatch - 1) / aheadBatch
	slots := make([]aheadSlot, min(aheadSlots, max(nb, 1)))
	tokens := make(chan struct{}, len(slots))
	for i := range slots {
		slots[i].ready = make(chan struct{}, 1)
		tokens <- struct{}{}
	}
	stop := make(chan struct{})
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(aheadWorkers(), nb) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-tokens:
				case <-stop:
					return
				}
				select {
				case <-stop:
					return
				default:
				}
				// A token taken before the index: batch b is read only
				// once fn is done with batch b-len(slots), its slot's.
				b := int(next.Add(1) - 1)
				if b >= nb {
					return
				}
				s := &slots[b%len(slots)]
				s.fill(files[b*aheadBatch:min((b+1)*aheadBatch, len(files))], size, open)
				s.ready <- struct{}{}
			}
		}()
	}
	defer func() {
		close(stop)
		wg.Wait()
	}()
	var h heldReader
	for b := range nb {
		s := &slots[b%len(slots)]
		<-s.ready
		for i := range s.files {
			a := &s.files[i]
			if a.openErr != nil {
				return a.openErr
			}
			var err error
			if a.held {
				h = heldReader{data: a.data, err: a.readErr}
				err = callFn(a.e, &h, fn)
			} else {
				e, rc, oerr := open(a.rec)
				if oerr != nil {
					return oerr
				}
				err = callFn(e, rc, fn)
				rc.Close()
			}
			if err != nil {
				return err
			}
		}
		tokens <- struct{}{}
	}
	return nil
}

// fill reads the files recs of one batch into s: each that fits whole (by
// its listed size), up to the first that fails to open.
func (s *aheadSlot) fill(recs []uint32, size func(uint32) int64, open func(uint32) (Entry, io.ReadCloser, error)) {
	s.files = s.files[:0]
	if s.buf == nil {
		s.buf = make([]byte, aheadHold+1)
	}
	used := 0
	for _, r := range recs {
		a := aheadFile{rec: r}
		// A file that changed size since it was listed is refused by
		// open, as by Walk.
		if n := size(r); n <= int64(aheadMax) && n < int64(len(s.buf)-used) {
			e, rc, err := open(r)
			a.e, a.openErr = e, err
			if err != nil {
				s.files = append(s.files, a)
				return // the walk stops there
			}
			a.held = true
			a.data, a.readErr = readHeld(rc, s.buf[used:used+int(n)+1])
			used += len(a.data)
			rc.Close()
		}
		s.files = append(s.files, a)
	}
}

// readHeld reads r to its end into buf, which holds more than r yields
// (r is a listed file's exact reader, which yields its listed size at
// most). It returns the bytes and io.EOF, or the bytes before a failure
// and the failure.
func readHeld(r io.Reader, buf []byte) ([]byte, error) {
	n := 0
	for n < len(buf) {
		k, err := r.Read(buf[n:])
		n += k
		if errors.Is(err, io.EOF) {
			return buf[:n], io.EOF
		}
		if err != nil {
			return buf[:n], err
		}
	}
	return buf[:n], errors.New("bundle: read past the listed size") // exactReader never yields it
}
