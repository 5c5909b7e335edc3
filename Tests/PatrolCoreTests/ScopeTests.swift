import XCTest
@testable import PatrolCore

/// Scope matching and decisions (SPEC §6): names by whole labels, addresses by most specific block,
/// ports, and the refusal of special addresses that no asset names.
final class ScopeTests: XCTestCase {
    private func rule(_ target: ScopeRule.Target, ports: String? = nil, isInternal: Bool = false, _ code: String) -> ScopeRule {
        ScopeRule(target: target, ports: ports.flatMap(PortSet.init), assetCode: code, unitCode: "U1", internalNetwork: isInternal)
    }

    private func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    func testExactHostIsNormalised() {
        let scope = Scope(rules: [rule(.host("www.example.gov.cn"), "A1")])
        for host in ["www.example.gov.cn", "WWW.Example.GOV.cn", "www.example.gov.cn."] {
            XCTAssertEqual(scope.nameMatch(host: host, port: 443)?.assetCode, "A1", host)
        }
        for host in ["example.gov.cn", "a.www.example.gov.cn", "www.example.gov.cn..", "www.example.gov", ""] {
            XCTAssertNil(scope.nameMatch(host: host, port: 443), host)
        }
    }

    func testWildcardMatchesApexAndAnyDepthByLabel() {
        let scope = Scope(rules: [rule(.domainSuffix("example.gov.cn"), "A1")])
        for host in ["example.gov.cn", "a.example.gov.cn", "a.b.c.example.gov.cn", "A.Example.Gov.Cn."] {
            XCTAssertEqual(scope.nameMatch(host: host, port: 80)?.assetCode, "A1", host)
        }
        for host in ["evil-example.gov.cn", "xexample.gov.cn", "example.gov.cn.evil.com", "gov.cn", "cn", "example.gov.cnx"] {
            XCTAssertNil(scope.nameMatch(host: host, port: 80), host)
        }
    }

    func testPortsLimitARule() {
        let scope = Scope(rules: [rule(.host("a.example.com"), ports: "80,443,8000-8100", "A1")])
        for port in [80, 443, 8000, 8050, 8100] {
            XCTAssertNotNil(scope.nameMatch(host: "a.example.com", port: port), "\(port)")
        }
        for port in [79, 81, 442, 444, 7999, 8101, 0, 65535] {
            XCTAssertNil(scope.nameMatch(host: "a.example.com", port: port), "\(port)")
        }
    }

    func testMostSpecificNameWins() {
        let scope = Scope(rules: [
            rule(.domainSuffix("gov.cn"), "WIDE"),
            rule(.domainSuffix("example.gov.cn"), "SUFFIX"),
            rule(.host("www.example.gov.cn"), ports: "443", "EXACT"),
        ])
        XCTAssertEqual(scope.nameMatch(host: "www.example.gov.cn", port: 443)?.assetCode, "EXACT")
        // The exact rule does not allow port 80, so the next most specific rule answers.
        XCTAssertEqual(scope.nameMatch(host: "www.example.gov.cn", port: 80)?.assetCode, "SUFFIX")
        XCTAssertEqual(scope.nameMatch(host: "mail.example.gov.cn", port: 80)?.assetCode, "SUFFIX")
        XCTAssertEqual(scope.nameMatch(host: "other.gov.cn", port: 80)?.assetCode, "WIDE")
    }

    func testSameTargetKeepsGivenOrder() {
        let scope = Scope(rules: [
            rule(.host("a.example.com"), ports: "80", "FIRST"),
            rule(.host("a.example.com"), "SECOND"),
            rule(.address(ip("203.0.113.5")), ports: "80", "THIRD"),
            rule(.address(ip("203.0.113.5")), "FOURTH"),
        ])
        XCTAssertEqual(scope.nameMatch(host: "a.example.com", port: 80)?.assetCode, "FIRST")
        XCTAssertEqual(scope.nameMatch(host: "a.example.com", port: 81)?.assetCode, "SECOND")
        XCTAssertEqual(scope.addressMatch(ip("203.0.113.5"), port: 80)?.assetCode, "THIRD")
        XCTAssertEqual(scope.addressMatch(ip("203.0.113.5"), port: 81)?.assetCode, "FOURTH")
    }

    func testMostSpecificBlockWins() {
        let scope = Scope(rules: [
            rule(.network(IPNetwork("10.0.0.0/8")!), "WIDE"),
            rule(.network(IPNetwork("10.1.0.0/16")!), ports: "22", "NARROW"),
            rule(.address(ip("10.1.2.3")), "ONE"),
            rule(.network(IPNetwork("2001:db8::/32")!), "V6"),
        ])
        XCTAssertEqual(scope.addressMatch(ip("10.1.2.3"), port: 80)?.assetCode, "ONE")
        XCTAssertEqual(scope.addressMatch(ip("10.1.2.4"), port: 22)?.assetCode, "NARROW")
        XCTAssertEqual(scope.addressMatch(ip("10.1.2.4"), port: 80)?.assetCode, "WIDE")
        XCTAssertEqual(scope.addressMatch(ip("10.2.0.0"), port: 80)?.assetCode, "WIDE")
        XCTAssertNil(scope.addressMatch(ip("11.0.0.0"), port: 80))
        XCTAssertEqual(scope.addressMatch(ip("2001:db8::1"), port: 80)?.assetCode, "V6")
        XCTAssertNil(scope.addressMatch(ip("2001:db9::1"), port: 80))
    }

    func testMappedAddressesMatchIPv4Rules() {
        let scope = Scope(rules: [
            rule(.address(ip("203.0.113.5")), "A1"),
            rule(.address(ip("::ffff:198.51.100.7")), "A2"),
        ])
        XCTAssertEqual(scope.addressMatch(ip("::ffff:203.0.113.5"), port: 80)?.assetCode, "A1")
        XCTAssertEqual(scope.addressMatch(ip("198.51.100.7"), port: 80)?.assetCode, "A2")
        XCTAssertNil(scope.addressMatch(ip("::203.0.113.5"), port: 80))
    }

    func testLiteralHostsAreCheckedByAddressOnly() {
        let scope = Scope(rules: [
            rule(.address(ip("203.0.113.5")), ports: "443", "A1"),
            rule(.network(IPNetwork("2001:db8::/48")!), "A2"),
            rule(.host("www.example.com"), "A3"),
        ])
        // `resolved` is ignored for a literal: the address checked is the literal.
        XCTAssertEqual(scope.decide(host: "203.0.113.5", port: 443, resolved: [ip("8.8.8.8")]),
                       .allow(address: ip("203.0.113.5"), rule: scope.rules[0]))
        XCTAssertEqual(scope.decide(host: "203.0.113.5", port: 443, resolved: []),
                       .allow(address: ip("203.0.113.5"), rule: scope.rules[0]))
        XCTAssertEqual(scope.decide(host: "203.0.113.5", port: 80, resolved: []), .deny(.notInScope))
        XCTAssertEqual(scope.decide(host: "203.0.113.6", port: 443, resolved: [ip("203.0.113.5")]), .deny(.notInScope))
        XCTAssertEqual(scope.decide(host: "[2001:db8::1]", port: 80, resolved: []),
                       .allow(address: ip("2001:db8::1"), rule: scope.rules[1]))
        XCTAssertEqual(scope.decide(host: "2001:db8::1", port: 80, resolved: []),
                       .allow(address: ip("2001:db8::1"), rule: scope.rules[1]))
        // A special literal nobody named was never in scope at all.
        XCTAssertEqual(scope.decide(host: "127.0.0.1", port: 80, resolved: []), .deny(.notInScope))
        XCTAssertEqual(scope.decide(host: "169.254.169.254", port: 80, resolved: []), .deny(.notInScope))
    }

    func testRebinding() {
        let scope = Scope(rules: [rule(.host("www.example.gov.cn"), "A1")])
        let a1 = scope.rules[0]
        XCTAssertEqual(scope.decide(host: "www.example.gov.cn", port: 80, resolved: [ip("127.0.0.1")]),
                       .deny(.specialAddress(ip("127.0.0.1"), .loopback)))
        XCTAssertEqual(scope.decide(host: "www.example.gov.cn", port: 80, resolved: [ip("127.0.0.1"), ip("203.0.113.5")]),
                       .allow(address: ip("203.0.113.5"), rule: a1))
        XCTAssertEqual(scope.decide(host: "www.example.gov.cn", port: 80, resolved: [ip("203.0.113.5"), ip("127.0.0.1")]),
                       .allow(address: ip("203.0.113.5"), rule: a1))
        XCTAssertEqual(scope.decide(host: "www.example.gov.cn", port: 80, resolved: [ip("169.254.169.254")]),
                       .deny(.specialAddress(ip("169.254.169.254"), .cloudMetadata)))
        XCTAssertEqual(scope.decide(host: "www.example.gov.cn", port: 80, resolved: [ip("10.0.0.1"), ip("::1"), ip("192.168.1.1")]),
                       .deny(.specialAddress(ip("10.0.0.1"), .privateNetwork)))
        XCTAssertEqual(scope.decide(host: "www.example.gov.cn", port: 80, resolved: [ip("::ffff:127.0.0.1")]),
                       .deny(.specialAddress(ip("::ffff:127.0.0.1"), .loopback)))
        XCTAssertEqual(scope.decide(host: "www.example.gov.cn", port: 80, resolved: [ip("fd00:ec2::254")]),
                       .deny(.specialAddress(ip("fd00:ec2::254"), .cloudMetadata)))
        XCTAssertEqual(scope.decide(host: "www.example.gov.cn", port: 80, resolved: [ip("2001:db8::5")]),
                       .allow(address: ip("2001:db8::5"), rule: a1))
        // A name out of scope that resolves to a special address is simply out of scope.
        XCTAssertEqual(scope.decide(host: "evil.example.com", port: 80, resolved: [ip("127.0.0.1")]), .deny(.notInScope))
        XCTAssertEqual(scope.decide(host: "www.example.gov.cn", port: 80, resolved: []), .deny(.unresolved))
        XCTAssertEqual(scope.decide(host: "evil.example.com", port: 80, resolved: []), .deny(.unresolved))
    }

    func testAnAssetNamingASpecialAddressAllowsIt() {
        let scope = Scope(rules: [
            rule(.host("intranet.example.gov.cn"), "NAME"),
            rule(.address(ip("127.0.0.1")), "LOOP"),
            // A private range opens its addresses only because an admin marked it internal.
            rule(.network(IPNetwork("10.20.0.0/16")!), ports: "8080", isInternal: true, "NET"),
        ])
        XCTAssertEqual(scope.decide(host: "127.0.0.1", port: 80, resolved: []),
                       .allow(address: ip("127.0.0.1"), rule: scope.rules[1]))
        // The name's rule is the reason given, once the asset has made the address usable.
        XCTAssertEqual(scope.decide(host: "intranet.example.gov.cn", port: 80, resolved: [ip("127.0.0.1")]),
                       .allow(address: ip("127.0.0.1"), rule: scope.rules[0]))
        // A name no rule matches, resolving to a named special address, is allowed by the address rule.
        XCTAssertEqual(scope.decide(host: "other.example.com", port: 80, resolved: [ip("127.0.0.1")]),
                       .allow(address: ip("127.0.0.1"), rule: scope.rules[1]))
        XCTAssertEqual(scope.decide(host: "other.example.com", port: 8080, resolved: [ip("10.20.3.4")]),
                       .allow(address: ip("10.20.3.4"), rule: scope.rules[2]))
        // Naming 10.20/16 on port 8080 names neither another port nor another private address.
        XCTAssertEqual(scope.decide(host: "intranet.example.gov.cn", port: 80, resolved: [ip("10.20.3.4")]),
                       .deny(.specialAddress(ip("10.20.3.4"), .privateNetwork)))
        XCTAssertEqual(scope.decide(host: "intranet.example.gov.cn", port: 8080, resolved: [ip("10.30.0.1"), ip("10.20.3.4")]),
                       .allow(address: ip("10.20.3.4"), rule: scope.rules[0]))
    }

    /// A range never opens special addresses by its width (issue 18): `0.0.0.0/0` declared for a
    /// unit's public servers, or a private block, leaves loopback, the intranet and the metadata
    /// service shut — by literal or by a name resolving there — until an admin marks it internal.
    func testARangeOpensSpecialAddressesOnlyWhenMarkedInternal() {
        let wide = Scope(rules: [rule(.network(IPNetwork("0.0.0.0/0")!), "ALL"), rule(.network(IPNetwork("::/0")!), "ALL6"),
                                 rule(.network(IPNetwork("10.0.0.0/8")!), "PRIV"), rule(.host("www.example.gov.cn"), "WWW")])
        XCTAssertEqual(wide.decide(host: "203.0.113.7", port: 80, resolved: []), .allow(address: ip("203.0.113.7"), rule: wide.rules[0]))
        XCTAssertEqual(wide.decide(host: "169.254.169.254", port: 80, resolved: []),
                       .deny(.specialAddress(ip("169.254.169.254"), .cloudMetadata)))
        XCTAssertEqual(wide.decide(host: "127.0.0.1", port: 80, resolved: []), .deny(.specialAddress(ip("127.0.0.1"), .loopback)))
        XCTAssertEqual(wide.decide(host: "10.1.2.3", port: 80, resolved: []), .deny(.specialAddress(ip("10.1.2.3"), .privateNetwork)))
        XCTAssertEqual(wide.decide(host: "::1", port: 80, resolved: []), .deny(.specialAddress(ip("::1"), .loopback)))
        XCTAssertEqual(wide.decide(host: "www.example.gov.cn", port: 80, resolved: [ip("10.1.2.3")]),
                       .deny(.specialAddress(ip("10.1.2.3"), .privateNetwork)))
        let marked = Scope(rules: [rule(.network(IPNetwork("10.0.0.0/8")!), isInternal: true, "PRIV"),
                                   rule(.network(IPNetwork("127.0.0.1/32")!), "ONE")])
        XCTAssertEqual(marked.decide(host: "10.1.2.3", port: 80, resolved: []), .allow(address: ip("10.1.2.3"), rule: marked.rules[0]))
        XCTAssertEqual(marked.decide(host: "127.0.0.1", port: 80, resolved: []), .allow(address: ip("127.0.0.1"), rule: marked.rules[1]),
                       "a /32 names one address exactly")
        XCTAssertEqual(marked.decide(host: "169.254.169.254", port: 80, resolved: []), .deny(.notInScope))
        // And compiled from assets, the mark travels with the asset.
        let compiled = Scope.compile([ScopeAsset(code: "A", unit: "U", kind: .cidr, target: "192.168.0.0/16", ports: nil),
                                      ScopeAsset(code: "B", unit: "U", kind: .cidr, target: "172.16.0.0/12", ports: nil,
                                                 internalNetwork: true)]).scope
        XCTAssertEqual(compiled.decide(host: "192.168.1.1", port: 80, resolved: []),
                       .deny(.specialAddress(ip("192.168.1.1"), .privateNetwork)))
        // The mark is offered only where it changes something: a range of more than one address.
        XCTAssertEqual([("cidr", "10.0.0.0/8"), ("cidr", "10.0.0.1/32"), ("ip", "10.0.0.1"), ("domain", "*.example.gov.cn"),
                        ("other", "192.168.0.0/24")].map { ScopeAsset(code: "X", unit: "U", kind: AssetKind(rawValue: $0.0)!,
                                                                    target: $0.1, ports: nil).isRange },
                       [true, false, false, false, true])
        XCTAssertEqual(compiled.decide(host: "172.16.5.5", port: 80, resolved: []),
                       .allow(address: ip("172.16.5.5"), rule: compiled.rules[1]))
    }

    func testAddressRulesAllowNamesThatResolveIntoThem() {
        let scope = Scope(rules: [rule(.network(IPNetwork("198.51.100.0/24")!), ports: "80", "NET")])
        XCTAssertEqual(scope.decide(host: "any.example.com", port: 80, resolved: [ip("203.0.113.1"), ip("198.51.100.9")]),
                       .allow(address: ip("198.51.100.9"), rule: scope.rules[0]))
        XCTAssertEqual(scope.decide(host: "any.example.com", port: 443, resolved: [ip("198.51.100.9")]), .deny(.notInScope))
        XCTAssertEqual(scope.decide(host: "any.example.com", port: 80, resolved: [ip("203.0.113.1")]), .deny(.notInScope))
    }

    func testPortOutOfScopeIsNotInScope() {
        let scope = Scope(rules: [rule(.host("www.example.gov.cn"), ports: "443", "A1")])
        XCTAssertEqual(scope.decide(host: "www.example.gov.cn", port: 22, resolved: [ip("203.0.113.5")]), .deny(.notInScope))
        XCTAssertEqual(scope.decide(host: "www.example.gov.cn", port: 22, resolved: [ip("127.0.0.1")]), .deny(.notInScope))
    }

    func testEmptyScope() {
        let scope = Scope(rules: [])
        XCTAssertTrue(scope.isEmpty)
        XCTAssertFalse(Scope(rules: [rule(.host("a.example.com"), "A1")]).isEmpty)
        XCTAssertNil(scope.nameMatch(host: "a.example.com", port: 80))
        XCTAssertNil(scope.addressMatch(ip("203.0.113.5"), port: 80))
        XCTAssertEqual(scope.decide(host: "a.example.com", port: 80, resolved: [ip("203.0.113.5")]), .deny(.notInScope))
    }

    func testIsLiteral() {
        XCTAssertEqual(Scope.isLiteral("1.2.3.4"), ip("1.2.3.4"))
        XCTAssertEqual(Scope.isLiteral("::1"), ip("::1"))
        XCTAssertEqual(Scope.isLiteral("[::1]"), ip("::1"))
        for host in ["example.com", "localhost", "1.2.3.4.", "[1.2.3.4]", "fe80::1%eth0", "", "abc", "cafe"] {
            XCTAssertNil(Scope.isLiteral(host), host)
        }
    }
}

/// Assets to rules, kind by kind (SPEC §2).
final class ScopeCompileTests: XCTestCase {
    private func compile(_ kind: AssetKind, _ target: String, ports: String? = nil) -> Result<ScopeRule, ScopeSkipReason> {
        Scope.rule(for: ScopeAsset(code: "A1", unit: "U1", kind: kind, target: target, ports: ports))
    }

    private func compiles(_ kind: AssetKind, _ target: String, ports: String? = nil,
                          to expected: ScopeRule.Target, allowing expectedPorts: String?,
                          file: StaticString = #filePath, line: UInt = #line) {
        let want = ScopeRule(target: expected, ports: expectedPorts.map { PortSet($0)! }, assetCode: "A1", unitCode: "U1")
        XCTAssertEqual(try compile(kind, target, ports: ports).get(), want, "\(kind) \(target)", file: file, line: line)
    }

    private func skips(_ kind: AssetKind, _ target: String, ports: String? = nil, because reason: ScopeSkipReason,
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(compile(kind, target, ports: ports), .failure(reason), "\(kind) \(target)", file: file, line: line)
    }

    func testWebsite() {
        compiles(.website, "https://www.Example.gov.cn/path?x=1", to: .host("www.example.gov.cn"), allowing: nil)
        compiles(.website, "https://www.example.gov.cn", to: .host("www.example.gov.cn"), allowing: nil)
        compiles(.website, "HTTP://www.example.gov.cn.:8080", to: .host("www.example.gov.cn"), allowing: "8080")
        compiles(.website, "http://www.example.gov.cn:8080/", ports: "443", to: .host("www.example.gov.cn"), allowing: "443,8080")
        compiles(.website, "https://www.example.gov.cn/", ports: "80,443", to: .host("www.example.gov.cn"), allowing: "80,443")
        compiles(.website, "  https://www.example.gov.cn#top ", to: .host("www.example.gov.cn"), allowing: nil)
        compiles(.website, "http://user:secret@host.example.com/", to: .host("host.example.com"), allowing: nil)
        compiles(.website, "http://203.0.113.7/", to: .address(IPAddress("203.0.113.7")!), allowing: nil)
        compiles(.website, "https://[2001:db8::1]:8443/", to: .address(IPAddress("2001:db8::1")!), allowing: "8443")
        compiles(.website, "https://[2001:db8::1]/", to: .address(IPAddress("2001:db8::1")!), allowing: nil)
        for bad in ["www.example.gov.cn", "ftp://www.example.gov.cn/", "http://", "http:///x", "http://bad_host/",
                    "http://x.example.com:0/", "http://x.example.com:65536/", "http://x.example.com:/", "http://[::1/",
                    "http://[::1]x/", "http://[example.com]/", "http://localhost/", "http://*.example.com/"] {
            skips(.website, bad, because: .badURL)
        }
    }

    func testDomain() {
        compiles(.domain, "*.Example.gov.cn", to: .domainSuffix("example.gov.cn"), allowing: nil)
        compiles(.domain, "example.gov.cn.", ports: "443", to: .host("example.gov.cn"), allowing: "443")
        compiles(.domain, "203.0.113.9", to: .address(IPAddress("203.0.113.9")!), allowing: nil)
        for bad in ["*.cn", "cn", "exa mple.com", "*.", "*example.com", "-a.example.com", "a..example.com", "https://a.example.com"] {
            skips(.domain, bad, because: .badHost)
        }
    }

    func testIPAndCIDR() {
        compiles(.ip, "203.0.113.9", ports: "80, 443", to: .address(IPAddress("203.0.113.9")!), allowing: "80,443")
        compiles(.ip, "2001:DB8::1", to: .address(IPAddress("2001:db8::1")!), allowing: nil)
        compiles(.ip, " 203.0.113.9 ", ports: "  ", to: .address(IPAddress("203.0.113.9")!), allowing: nil)
        skips(.ip, "010.0.0.1", because: .badIP)
        skips(.ip, "203.0.113.0/24", because: .badIP)
        skips(.ip, "www.example.com", because: .badIP)
        compiles(.cidr, "10.1.2.3/8", to: .network(IPNetwork("10.0.0.0/8")!), allowing: nil)
        compiles(.cidr, "2001:db8::/32", ports: "443", to: .network(IPNetwork("2001:db8::/32")!), allowing: "443")
        skips(.cidr, "10.0.0.0", because: .badCIDR)
        skips(.cidr, "10.0.0.0/33", because: .badCIDR)
    }

    func testFreeTextKinds() {
        compiles(.cloud, "https://bucket.oss-cn-hangzhou.aliyuncs.com/", to: .host("bucket.oss-cn-hangzhou.aliyuncs.com"), allowing: nil)
        compiles(.app, "api.example.com", ports: "443", to: .host("api.example.com"), allowing: "443")
        compiles(.app, "wss://push.example.com:9443/socket", to: .host("push.example.com"), allowing: "9443")
        compiles(.other, "203.0.113.0/24", to: .network(IPNetwork("203.0.113.0/24")!), allowing: nil)
        compiles(.other, "203.0.113.10", to: .address(IPAddress("203.0.113.10")!), allowing: nil)
        compiles(.other, "*.example.com", to: .domainSuffix("example.com"), allowing: nil)
        for text in ["某某单位微信小程序", "OSS bucket for backups", "", "oss://my-bucket", "see attachment 3/4", "1http://x.example.com"] {
            skips(.cloud, text, because: .freeText)
        }
    }

    func testBadPortsSkipRatherThanWiden() {
        skips(.ip, "203.0.113.9", ports: "80-", because: .badPorts)
        skips(.website, "https://www.example.gov.cn/", ports: "0", because: .badPorts)
        skips(.domain, "*.example.com", ports: "http", because: .badPorts)
    }

    func testCompileKeepsOrderCodesAndReasons() {
        let assets = [
            ScopeAsset(code: "W1", unit: "U1", kind: .website, target: "https://www.example.gov.cn/", ports: nil),
            ScopeAsset(code: "C1", unit: "U2", kind: .cloud, target: "阿里云 OSS", ports: nil),
            ScopeAsset(code: "N1", unit: "U2", kind: .cidr, target: "198.51.100.0/24", ports: "22"),
            ScopeAsset(code: "P1", unit: "U3", kind: .ip, target: "198.51.100.1", ports: "x"),
        ]
        let (scope, skipped) = Scope.compile(assets)
        XCTAssertEqual(scope.rules.map(\.assetCode), ["W1", "N1"])
        XCTAssertEqual(scope.rules.map(\.unitCode), ["U1", "U2"])
        XCTAssertEqual(skipped.map(\.asset), ["C1", "P1"])
        XCTAssertEqual(skipped.map(\.reason), [ScopeSkipReason.freeText.message, ScopeSkipReason.badPorts.message])
        XCTAssertEqual(scope.decide(host: "WWW.example.gov.cn", port: 443, resolved: [IPAddress("203.0.113.5")!]),
                       .allow(address: IPAddress("203.0.113.5")!, rule: scope.rules[0]))
        XCTAssertEqual(scope.decide(host: "198.51.100.200", port: 22, resolved: []),
                       .allow(address: IPAddress("198.51.100.200")!, rule: scope.rules[1]))
    }
}

final class PortSetTests: XCTestCase {
    func testParsingAndMembership() {
        let set = PortSet("80,443,8000-8100")!
        for port in [80, 443, 8000, 8050, 8100] { XCTAssertTrue(set.contains(port), "\(port)") }
        for port in [0, 1, 79, 81, 442, 444, 7999, 8101, 65535, 65536, -80] { XCTAssertFalse(set.contains(port), "\(port)") }
        XCTAssertTrue(PortSet("1-65535")!.contains(1))
        XCTAssertTrue(PortSet("1-65535")!.contains(65535))
        XCTAssertTrue(PortSet("65535")!.contains(65535))
    }

    func testCanonicalForm() {
        XCTAssertEqual(PortSet("8000-8100, 80 ,443")?.description, "80,443,8000-8100")
        XCTAssertEqual(PortSet("1-10,5-20,21")?.description, "1-21")
        XCTAssertEqual(PortSet("80-80")?.description, "80")
        XCTAssertEqual(PortSet("443,80,,443")?.description, "80,443")
        XCTAssertEqual(PortSet("80,81"), PortSet("80-81"))
        XCTAssertEqual(PortSet([443, 80, 0, 70000, 81, -1]).description, "80-81,443")
        XCTAssertEqual(PortSet([]).description, "")
        XCTAssertFalse(PortSet([]).contains(80))
    }

    func testUnion() {
        XCTAssertEqual(PortSet("80")!.union(PortSet("81-90")!), PortSet("80-90"))
        XCTAssertEqual(PortSet("80,8080")!.union(PortSet([443])).description, "80,443,8080")
        XCTAssertEqual(PortSet("1-100")!.union(PortSet("50")!), PortSet("1-100"))
    }

    func testRefusalsMatchAssetTarget() {
        for text in ["0", "65536", "80-", "-80", "90-80", "80-90-100", "a", "80;443", "1 - 2", "80 443", "", ",", " ", "0-10"] {
            XCTAssertNil(PortSet(text), text)
        }
        // The same grammar as the asset form's check, blank lists aside (they mean "every port").
        for text in ["80", " 80 , 443 ", "1-65535", "443,80", "80-", "0", "8080-80", "1,2,3-4", "+80", "80,,81", "٨٠"] {
            XCTAssertEqual(PortSet(text) != nil, AssetTarget.validPorts(text), text)
        }
    }
}
