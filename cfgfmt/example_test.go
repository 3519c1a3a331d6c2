package cfgfmt_test

import (
	"fmt"

	"github.com/phoneload/phoneload/cfgfmt"
)

const table = `# tag,tagFmtBit,nameStr,size
20,0x0028,UseTftp,1
32,0x0010,TftpURL,32
`

func ExampleCompile() {
	t, err := cfgfmt.ParseTable("ptag.dat", []byte(table))
	if err != nil {
		panic(err)
	}
	res, err := cfgfmt.Compile(t, "gkdefault.txt", []byte("#txt\nUseTftp:1\nColor:blue\n"), cfgfmt.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Printf("% x\n", res.Profile)
	for _, d := range res.Diagnostics {
		fmt.Println(d)
	}
	// Output:
	// 23 61 74 61 ff fe 04 00 16 00 03 14 01 01
	// gkdefault.txt:3: warning: unknown attribute at line 3 ("Color" is not in ptag.dat)
}

func ExampleDecode() {
	t, _ := cfgfmt.ParseTable("ptag.dat", []byte(table))
	bin := []byte("#ata\xff\xfe\x04\x00\x16\x00\x03\x14\x01\x01")
	p, err := cfgfmt.Decode(t, bin, cfgfmt.DecodeOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Print(string(p.Text(true)))
	// Output:
	// #txt
	// #sum_len:22,3
	// UseTftp:1
}

func ExampleParseKey() {
	key, _ := cfgfmt.ParseKey("abc") // an odd length is padded with 0
	fmt.Printf("%x\n", key)
	// Output: abc0
}
