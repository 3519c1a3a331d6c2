package cfgfmtcli

import (
	"fmt"
	"strings"
)

// FleetTable is a 7905/7912-style tag table (four columns, tags 1001+ for
// the phone settings) used to generate benchmark fleets. Written for this
// project; the tag numbers are those the 7912 SIP firmware uses.
const FleetTable = `# 7912-style tag table for benchmarks: tag,tagFmtBit,nameStr,size
3,0x0006,StaticIP,4
4,0x0006,StaticRoute,4
5,0x0006,StaticNetMask,4
7,0x000C,RxCodec,4
8,0x000C,TxCodec,4
9,0x0006,DNS1IP,4
10,0x0006,DNS2IP,4
11,0x000C,NumTxFrames,4
12,0x020C,AutMethod,4
13,0x000C,SIPRegInterval,4
14,0x000C,MaxRedirect,4
15,0x0028,Dhcp,1
19,0x0028,SIPRegOn,1
20,0x0028,UseTftp,1
21,0x0028,UseLoginID,1
23,0x4008,UIPassword,10
24,0x0006,NTPIP,4
25,0x4010,UID,32
26,0x4010,PWD,32
29,0x0010,Proxy,32
32,0x0010,TftpURL,32
35,0x0080,NPrintf,6
36,0x0050,DialTone,22
37,0x0050,BusyTone,22
38,0x0050,ReorderTone,34
39,0x0050,RingBackTone,22
40,0x0050,CallWaitTone,22
41,0x0010,DialPlan,200
44,0x0010,LoginID,52
47,0x0050,DialTone2,22
50,0x000C,CfgInterval,4
52,0x000C,IPDialPlan,4
56,0x000C,TimeZone,4
57,0x020C,ConnectMode,4
58,0x020C,AudioMode,4
59,0x020C,TraceFlags,4
60,0x0050,RingOnOffTime,6
61,0x0010,EncryptKey,9
62,0x020C,CallFeatures,4
64,0x020C,PaidFeatures,4
68,0x0006,NATIP,4
69,0x000C,SIPPort,4
70,0x000C,MediaPort,4
72,0x020C,TOS,4
74,0x000C,AltProxyTimeOut,4
75,0x0010,OutBoundProxy,32
76,0x020C,SigTimer,4
77,0x020C,OpFlags,4
78,0x0006,AltNTPIP,4
95,0x020C,VLANSetting,4
97,0x0010,NatServer,48
98,0x020C,NatTimer,4
100,0x0010,Domain,32
1001,0x0010,ServicesUrl,64
1002,0x0010,DirectoriesUrl,64
1003,0x0010,CallForwardNumber,32
1004,0x0010,VoiceMailNumber,32
1005,0x0010,TimeFormat,16
1006,0x0010,DisplayName,32
1007,0x020C,CallPrefGuiSet,4
1008,0x020C,CallPrefGuiShow,4
1009,0x0010,DateFormat,16
1010,0x0028,DoNotDisturb,1
1011,0x0028,BlockCallerId,1
1012,0x0028,AutoLookUp,1
1013,0x0028,CallWaiting,1
1014,0x000C,ForwardToVMDelay,4
1015,0x0028,AttendedTransfer,1
1016,0x0028,BlindTransfer,1
1017,0x0028,Conference,1
1018,0x0028,BlockAnonymous,1
1019,0x0010,ShortName,32
`

// FleetName is the file name of device i's text profile: gk<mac>.txt.
func FleetName(i int) string { return fmt.Sprintf("gk0011%06x.txt", i) }

// FleetProfile returns a realistic text profile for device i of a 7912
// fleet: 60 parameters, per-device credentials, names and addresses.
func FleetProfile(i int) []byte {
	var b strings.Builder
	b.Grow(2048)
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...); b.WriteByte('\n') }
	site := i / 250
	w("#txt")
	w("# generated profile for device %d", i)
	w("ServicesUrl:http://10.%d.0.10/services.xml", site%256)
	w("DirectoriesUrl:http://10.%d.0.10/directory.xml", site%256)
	w("CallForwardNumber:0")
	w("VoiceMailNumber:8%03d", site%1000)
	w("TimeFormat:h:ia")
	w("DateFormat:m-d-y")
	w("DisplayName:User %d", i)
	w("ShortName:%d", 1000+i)
	w("DoNotDisturb:0")
	w("BlockCallerId:0")
	w("CallWaiting:1")
	w("AttendedTransfer:1")
	w("BlindTransfer:1")
	w("Conference:1")
	w("BlockAnonymous:0")
	w("AutoLookUp:1")
	w("ForwardToVMDelay:20")
	w("CallPrefGuiShow:0xffffffff")
	w("CallPrefGuiSet:0xffffffff")
	w("UIPassword:%04d", i%10000)
	w("UseTftp:1")
	w("TftpURL:10.%d.0.10", site%256)
	w("CfgInterval:3600")
	w("Dhcp:1")
	w("StaticIP:0.0.0.0")
	w("StaticRoute:0.0.0.0")
	w("StaticNetMask:255.255.255.0")
	w("DNS1IP:10.%d.0.2", site%256)
	w("DNS2IP:10.%d.0.3", site%256)
	w("NTPIP:10.%d.0.4", site%256)
	w("AltNTPIP:0.0.0.0")
	w("NATIP:0.0.0.0")
	w("VLANSetting:0x2b")
	w("TOS:0x68b8")
	w("OpFlags:0x2")
	w("NatTimer:0x0")
	w("UseLoginID:1")
	w("SIPRegOn:1")
	w("SIPRegInterval:900")
	w("SIPPort:5060")
	w("MediaPort:16384")
	w("MaxRedirect:5")
	w("RxCodec:2")
	w("TxCodec:2")
	w("NumTxFrames:2")
	w("AudioMode:0x11")
	w("TimeZone:20")
	w("IPDialPlan:1")
	w("DialPlan:*St4-|#St4-|911|1>#t8.r9t2-|0>#t811.rat4-|^1t4>#.-")
	w("ConnectMode:0x0")
	w("SigTimer:0x1418064")
	w("NPrintf:0.0.0.0.0")
	w("TraceFlags:0x0")
	w("Proxy:sip%d.example.net", site)
	w("DialTone:2,31538,30831,1380,1740,1,0,0,1000")
	w("BusyTone:2,30467,28959,1191,1513,0,4000,4000,0")
	w("RingOnOffTime:2,4,25")
	w("UID:%d", 20000+i)
	w("PWD:pw%08x", uint32(i)*2654435761)
	w("LoginID:%d", 20000+i)
	return []byte(b.String())
}
