import XCTest
@testable import PatrolCore

/// Address parsing, canonical text and the special-use table, boundary by boundary.
final class IPAddressTests: XCTestCase {
    func testIPv4Parsing() {
        XCTAssertEqual(IPAddress("0.0.0.0"), .v4(0))
        XCTAssertEqual(IPAddress("255.255.255.255"), .v4(0xffff_ffff))
        XCTAssertEqual(IPAddress("192.0.2.1"), .v4(0xc000_0201))
        XCTAssertEqual(IPAddress("10.0.0.1")?.description, "10.0.0.1")
        XCTAssertEqual(IPAddress("100.64.0.0")?.description, "100.64.0.0")
    }

    func testIPv4Refusals() {
        for text in ["", "256.1.1.1", "1.2.3.256", "1.2.3", "1.2.3.4.5", "010.1.1.1", "1.2.3.04", "1.02.3.4", "00.1.1.1",
                     "1..2.3", ".1.2.3", "1.2.3.", " 1.2.3.4", "1.2.3.4 ", "1.2.3.-1", "1.2.3.+1", "1.2.3.4/32",
                     "0x7f.0.0.1", "1234.1.1.1", "0001.1.1.1", "127.1", "2130706433", "[1.2.3.4]", "1.2.3.4.", "１.2.3.4"] {
            XCTAssertNil(IPAddress(text), text)
        }
    }

    func testIPv6RoundTrips() {
        let cases: [(String, String)] = [
            ("::", "::"),
            ("::1", "::1"),
            ("1::", "1::"),
            ("0:0:0:0:0:0:0:0", "::"),
            ("0:0:0:0:0:0:0:1", "::1"),
            ("2001:DB8::1", "2001:db8::1"),
            ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),          // equal runs: the first is compressed
            ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),                // the longer run wins
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),       // one zero group is never "::"
            ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
            ("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"),
            ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
            ("ABCD:EF01::", "abcd:ef01::"),
            ("fe80::1:2", "fe80::1:2"),
            ("[::1]", "::1"),
            ("[2001:db8::8080]", "2001:db8::8080"),
            ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
            ("::FFFF:c000:0201", "::ffff:192.0.2.1"),
            ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
            ("::1.2.3.4", "::102:304"),
            ("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"),
            ("1::1.2.3.4", "1::102:304"),
            ("fd00:ec2::254", "fd00:ec2::254"),
        ]
        for (text, canonical) in cases {
            guard let address = IPAddress(text) else { XCTFail("refused \(text)"); continue }
            XCTAssertEqual(address.description, canonical, text)
            XCTAssertEqual(IPAddress(canonical), address, canonical)
            XCTAssertEqual(IPAddress(bytes: address.bytes), address, text)
        }
        XCTAssertEqual(IPAddress("2001:db8::1"), .v6(0x2001_0db8_0000_0000, 1))
        XCTAssertEqual(IPAddress("::ffff:1.2.3.4"), .v6(0, 0x0000_ffff_0102_0304))
    }

    func testIPv6Refusals() {
        for text in [":", ":::", "1:::2", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "::12345", "::g", "g::",
                     "fe80::1%eth0", "fe80::1%25eth0", "[fe80::1%eth0]", "[::1", "::1]", "[[::1]]", "[]", "[", ":1::", "1:", "1::2:",
                     "::1.2.3", "::1.2.3.4:5", "::1.2.3.4.5", "1:2:3:4:5:6:7:1.2.3.4", "::256.1.1.1", "::01.2.3.4",
                     "2001:db8:: 1", " ::1", "::1 ", "2001:db8::/32", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8"] {
            XCTAssertNil(IPAddress(text), text)
        }
    }

    func testBytes() {
        XCTAssertEqual(IPAddress(bytes: [192, 0, 2, 1]), .v4(0xc000_0201))
        XCTAssertEqual(IPAddress.v4(0xc000_0201).bytes, [192, 0, 2, 1])
        let v6: [UInt8] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34]
        XCTAssertEqual(IPAddress(bytes: v6), IPAddress("2001:db8::1234"))
        XCTAssertEqual(IPAddress("2001:db8::1234")?.bytes, v6)
        for count in [0, 3, 5, 15, 17] {
            XCTAssertNil(IPAddress(bytes: [UInt8](repeating: 1, count: count)), "\(count) bytes")
        }
    }

    func testUnmapped() {
        XCTAssertEqual(IPAddress("::ffff:1.2.3.4")?.unmapped, IPAddress("1.2.3.4"))
        XCTAssertEqual(IPAddress("1.2.3.4")?.unmapped, IPAddress("1.2.3.4"))
        // Only ::ffff:0:0/96 is the same host; compatible and NAT64 addresses are other addresses.
        XCTAssertEqual(IPAddress("::1.2.3.4")?.unmapped, IPAddress("::1.2.3.4"))
        XCTAssertEqual(IPAddress("64:ff9b::1.2.3.4")?.unmapped, IPAddress("64:ff9b::1.2.3.4"))
        XCTAssertEqual(IPAddress("::fffe:1.2.3.4")?.unmapped, IPAddress("::fffe:1.2.3.4"))
    }

    func testSpecialUseIPv4Boundaries() {
        let cases: [(String, SpecialUse?)] = [
            ("0.0.0.0", .unspecified), ("0.255.255.255", .unspecified), ("1.0.0.0", nil),
            ("9.255.255.255", nil), ("10.0.0.0", .privateNetwork), ("10.255.255.255", .privateNetwork), ("11.0.0.0", nil),
            ("100.63.255.255", nil), ("100.64.0.0", .sharedAddressSpace), ("100.127.255.255", .sharedAddressSpace), ("100.128.0.0", nil),
            ("100.100.100.199", .sharedAddressSpace), ("100.100.100.200", .cloudMetadata), ("100.100.100.201", .sharedAddressSpace),
            ("126.255.255.255", nil), ("127.0.0.0", .loopback), ("127.0.0.1", .loopback), ("127.255.255.255", .loopback), ("128.0.0.0", nil),
            ("169.253.255.255", nil), ("169.254.0.0", .linkLocal), ("169.254.255.255", .linkLocal), ("169.255.0.0", nil),
            ("169.254.169.253", .linkLocal), ("169.254.169.254", .cloudMetadata), ("169.254.169.255", .linkLocal),
            ("169.254.0.22", .linkLocal), ("169.254.0.23", .cloudMetadata), ("169.254.0.24", .linkLocal),
            ("172.15.255.255", nil), ("172.16.0.0", .privateNetwork), ("172.31.255.255", .privateNetwork), ("172.32.0.0", nil),
            ("191.255.255.255", nil), ("192.0.0.0", .reserved), ("192.0.0.255", .reserved), ("192.0.1.0", nil),
            ("192.167.255.255", nil), ("192.168.0.0", .privateNetwork), ("192.168.255.255", .privateNetwork), ("192.169.0.0", nil),
            ("198.17.255.255", nil), ("198.18.0.0", .reserved), ("198.19.255.255", .reserved), ("198.20.0.0", nil),
            ("223.255.255.255", nil), ("224.0.0.0", .multicast), ("239.255.255.255", .multicast),
            ("240.0.0.0", .reserved), ("255.255.255.254", .reserved), ("255.255.255.255", .broadcast),
            // Documentation ranges are ordinary on purpose (see SpecialUse.table).
            ("192.0.2.1", nil), ("198.51.100.1", nil), ("203.0.113.5", nil),
            ("8.8.8.8", nil), ("1.1.1.1", nil), ("114.114.114.114", nil),
        ]
        for (text, use) in cases {
            XCTAssertEqual(IPAddress(text)?.specialUse, use, text)
        }
    }

    func testSpecialUseIPv6() {
        let cases: [(String, SpecialUse?)] = [
            ("::", .unspecified), ("::1", .loopback), ("::2", .reserved), ("::ffff:ffff", .reserved), ("::1:0:0", nil),
            ("::ffff:127.0.0.1", .loopback), ("::ffff:8.8.8.8", nil), ("::ffff:169.254.169.254", .cloudMetadata),
            ("::ffff:0.0.0.0", .unspecified), ("::ffff:10.1.2.3", .privateNetwork),
            ("64:ff9b::127.0.0.1", .loopback), ("64:ff9b::8.8.8.8", nil), ("64:ff9b::10.0.0.1", .privateNetwork),
            ("64:ff9b::169.254.169.254", .cloudMetadata), ("64:ff9b::1:7f00:1", nil),
            ("fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", nil), ("fc00::", .privateNetwork),
            ("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .privateNetwork), ("fe00::", nil),
            ("fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", nil), ("fe80::", .linkLocal), ("fe80::1", .linkLocal),
            ("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .linkLocal), ("fec0::", .privateNetwork),
            ("feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .privateNetwork), ("ff00::", .multicast), ("ff02::1", .multicast),
            ("fd00:ec2::254", .cloudMetadata), ("fd00:ec2::253", .privateNetwork),
            ("2001:db8::1", nil), ("2400:cb00::1", nil), ("2001:4860:4860::8888", nil),
        ]
        for (text, use) in cases {
            XCTAssertEqual(IPAddress(text)?.specialUse, use, text)
        }
    }
}

final class IPNetworkTests: XCTestCase {
    private func contains(_ network: String, _ address: String, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        guard let n = IPNetwork(network), let a = IPAddress(address) else {
            XCTFail("cannot parse \(network) or \(address)", file: file, line: line)
            return false
        }
        return n.contains(a)
    }

    func testIPv4Blocks() {
        XCTAssertTrue(contains("10.0.0.0/8", "10.0.0.0"))
        XCTAssertTrue(contains("10.0.0.0/8", "10.255.255.255"))
        XCTAssertFalse(contains("10.0.0.0/8", "9.255.255.255"))
        XCTAssertFalse(contains("10.0.0.0/8", "11.0.0.0"))
        XCTAssertTrue(contains("172.16.0.0/12", "172.31.255.255"))
        XCTAssertFalse(contains("172.16.0.0/12", "172.32.0.0"))
        XCTAssertTrue(contains("192.168.1.128/25", "192.168.1.128"))
        XCTAssertTrue(contains("192.168.1.128/25", "192.168.1.255"))
        XCTAssertFalse(contains("192.168.1.128/25", "192.168.1.127"))
        XCTAssertTrue(contains("10.0.0.0/31", "10.0.0.1"))
        XCTAssertFalse(contains("10.0.0.0/31", "10.0.0.2"))
        XCTAssertTrue(contains("203.0.113.7/32", "203.0.113.7"))
        XCTAssertFalse(contains("203.0.113.7/32", "203.0.113.6"))
        XCTAssertFalse(contains("203.0.113.7/32", "203.0.113.8"))
        XCTAssertTrue(contains("0.0.0.0/0", "0.0.0.0"))
        XCTAssertTrue(contains("0.0.0.0/0", "255.255.255.255"))
        XCTAssertTrue(contains("128.0.0.0/1", "255.0.0.0"))
        XCTAssertFalse(contains("128.0.0.0/1", "127.255.255.255"))
    }

    func testIPv6Blocks() {
        XCTAssertTrue(contains("2001:db8::/32", "2001:db8:ffff::1"))
        XCTAssertFalse(contains("2001:db8::/32", "2001:db9::"))
        XCTAssertTrue(contains("2001:db8::/33", "2001:db8:7fff:ffff::"))
        XCTAssertFalse(contains("2001:db8::/33", "2001:db8:8000::"))
        XCTAssertTrue(contains("2001:db8::/64", "2001:db8::ffff:ffff:ffff:ffff"))
        XCTAssertFalse(contains("2001:db8::/64", "2001:db8:0:1::"))
        XCTAssertTrue(contains("2001:db8::8000:0:0:0/65", "2001:db8::8000:0:0:1"))
        XCTAssertFalse(contains("2001:db8::8000:0:0:0/65", "2001:db8::7fff:0:0:1"))
        XCTAssertTrue(contains("2001:db8::1/128", "2001:db8::1"))
        XCTAssertFalse(contains("2001:db8::1/128", "2001:db8::2"))
        XCTAssertTrue(contains("::/0", "2001:db8::1"))
        XCTAssertTrue(contains("fe80::/10", "febf::1"))
        XCTAssertFalse(contains("fe80::/10", "fec0::1"))
    }

    func testFamiliesAndMappedAddresses() {
        XCTAssertTrue(contains("10.0.0.0/8", "::ffff:10.1.2.3"))
        XCTAssertFalse(contains("10.0.0.0/8", "::10.1.2.3"))
        XCTAssertTrue(contains("0.0.0.0/0", "::ffff:8.8.8.8"))
        XCTAssertFalse(contains("0.0.0.0/0", "2001:db8::1"))
        XCTAssertFalse(contains("::/0", "1.2.3.4"))
        XCTAssertFalse(contains("::/0", "::ffff:1.2.3.4"))
        // A block inside ::ffff:0:0/96 is the IPv4 block it maps.
        XCTAssertEqual(IPNetwork("::ffff:10.0.0.0/104"), IPNetwork("10.0.0.0/8"))
        XCTAssertEqual(IPNetwork("::ffff:10.0.0.0/104")?.description, "10.0.0.0/8")
        XCTAssertTrue(contains("::ffff:10.0.0.0/104", "10.9.9.9"))
        XCTAssertEqual(IPNetwork("::ffff:0:0/96"), IPNetwork("0.0.0.0/0"))
    }

    func testHostBitsAreMasked() {
        XCTAssertEqual(IPNetwork("10.1.2.3/8")?.address, IPAddress("10.0.0.0"))
        XCTAssertEqual(IPNetwork("10.1.2.3/8"), IPNetwork("10.0.0.0/8"))
        XCTAssertEqual(IPNetwork("10.1.2.3/8")?.description, "10.0.0.0/8")
        XCTAssertEqual(IPNetwork("192.168.1.200/25")?.description, "192.168.1.128/25")
        XCTAssertEqual(IPNetwork("1.2.3.4/0")?.description, "0.0.0.0/0")
        XCTAssertEqual(IPNetwork("2001:db8:abcd::1/32")?.description, "2001:db8::/32")
        XCTAssertEqual(IPNetwork("2001:db8::ffff:ffff:ffff:ffff/65")?.description, "2001:db8:0:0:8000::/65")
        XCTAssertEqual(IPNetwork("[2001:db8::1]/128")?.description, "2001:db8::1/128")
        XCTAssertEqual(IPNetwork(address: .v4(0x0a01_0203), prefix: 16)?.description, "10.1.0.0/16")
        XCTAssertEqual(IPNetwork(address: .v4(1), prefix: 32)?.prefix, 32)
    }

    func testRefusals() {
        for text in ["10.0.0.0", "10.0.0.0/", "/8", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/8", "10.0.0.0/ 8", "10.0.0.0 /8",
                     "10.0.0.0/0008", "10.0.0.0/33", "10.0.0/8", "010.0.0.0/8", "foo/8", "2001:db8::/129", "2001:db8::/1a", ""] {
            XCTAssertNil(IPNetwork(text), text)
        }
        XCTAssertNil(IPNetwork(address: .v4(0), prefix: -1))
        XCTAssertNil(IPNetwork(address: .v4(0), prefix: 33))
        XCTAssertNil(IPNetwork(address: .v6(0, 1), prefix: 129))
        XCTAssertNotNil(IPNetwork(address: .v6(0, 1), prefix: 128))
    }
}
