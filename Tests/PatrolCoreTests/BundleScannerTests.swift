import Foundation
import XCTest
@testable import PatrolCore

/// The streaming bundle reader: members and list entries come out whole whatever the chunking,
/// strings with escapes and brackets inside do not confuse it, and a broken document is refused
/// with the byte where it breaks.
final class BundleScannerTests: XCTestCase {
    /// A scanner over `text` handed over `size` bytes at a time (1 exercises every chunk boundary).
    private func scanner(_ text: String, size: Int, elementwise: Set<String> = ["findings"],
                         skipped: Set<String> = []) -> BundleScanner {
        let bytes = Array(text.utf8)
        var offset = 0
        return BundleScanner(elementwise: elementwise, skipped: skipped) {
            guard offset < bytes.count else { return nil }
            let end = min(offset + size, bytes.count)
            defer { offset = end }
            return Data(bytes[offset..<end])
        }
    }

    private func parts(_ text: String, size: Int, skipped: Set<String> = []) throws -> [BundleScanner.Part] {
        var s = scanner(text, size: size, skipped: skipped)
        var out: [BundleScanner.Part] = []
        while let part = try s.next() { out.append(part) }
        return out
    }

    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    func testMembersAndEntriesWhateverTheChunking() throws {
        let document = """
        { "format" : "patrol.campaign.v1",
          "campaign": {"code": "C1", "name": "网安 \\"2022\\" {行动}", "nested": [1, [2, {"x": "]"}]]},
          "findings": [ {"code": "F1", "title": "a \\\\\\" ] } ,"}, {"code":"F2"} ,{"code": "F3"}],
          "count": -1.5e3, "flag": true, "none": null, "empty": [] }
        """
        for size in [1, 2, 3, 7, 64, 1 << 20] {
            let got = try parts(document, size: size)
            XCTAssertEqual(got.count, 9, "chunk \(size)")
            guard case .member("format", let format) = got[0], case .member("campaign", let campaign) = got[1],
                  case .element("findings", 0, let first) = got[2], case .element("findings", 2, let third) = got[4],
                  case .member("count", let count) = got[5], case .member("flag", let flag) = got[6],
                  case .member("none", let none) = got[7], case .member("empty", let empty) = got[8] else {
                return XCTFail("chunk \(size): \(got)")
            }
            XCTAssertEqual(text(format), "\"patrol.campaign.v1\"")
            XCTAssertEqual(text(campaign), #"{"code": "C1", "name": "网安 \"2022\" {行动}", "nested": [1, [2, {"x": "]"}]]}"#)
            XCTAssertEqual(text(first), #"{"code": "F1", "title": "a \\\" ] } ,"}"#)
            XCTAssertEqual(text(third), #"{"code": "F3"}"#)
            XCTAssertEqual([text(count), text(flag), text(none), text(empty)], ["-1.5e3", "true", "null", "[]"])
            // Every entry is JSON on its own, so JSONDecoder reads it unchanged.
            let decoded = try JSONSerialization.jsonObject(with: Data(first)) as? [String: String]
            XCTAssertEqual(decoded?["title"], "a \\\" ] } ,")
        }
    }

    func testSkippedListIsCountedNotCopied() throws {
        let got = try parts(#"{"findings": [{"a": "}"}, {}, [], 3], "units": []}"#, size: 5, skipped: ["findings"])
        XCTAssertEqual(got, [.element(list: "findings", index: 0, value: []), .element(list: "findings", index: 1, value: []),
                             .element(list: "findings", index: 2, value: []), .element(list: "findings", index: 3, value: []),
                             .member(key: "units", value: Array("[]".utf8))])
    }

    func testEmptyDocumentAndEmptyList() throws {
        XCTAssertEqual(try parts(" {\n} \n", size: 1), [])
        XCTAssertEqual(try parts(#"{"findings": [ ]}"#, size: 1), [])
    }

    func testBrokenDocumentsNameTheByte() {
        let cases: [(String, String)] = [
            ("", "byte 0: expected the document to begin with {"),
            ("[1, 2]", "byte 0: expected the document to begin with {"),
            (#"{"a": 1 "b": 2}"#, "byte 8: expected , or } between members"),
            (#"{"a" 1}"#, "byte 5: expected : after \"a\""),
            (#"{a: 1}"#, "byte 1: expected a member name in quotes"),
            (#"{"findings": [{"code": "F1"} {"code": "F2"}]}"#, "byte 29: expected , or ] after findings[0]"),
            (#"{"a": "never ends}"#, "byte 18: a string that does not end"),
            (#"{"a": {"b": [1, 2}"#, "byte 18: the document ends inside a value"),
            (#"{"a": }"#, "byte 6: expected a value"),
            (#"{"a": 1} {"b": 2}"#, "byte 9: text after the document's closing }"),
            (#"{"a": 1,"#, "byte 8: expected a member name in quotes"),
        ]
        for (document, why) in cases {
            for size in [1, 4, 4096] {
                XCTAssertThrowsError(try parts(document, size: size), document) { error in
                    XCTAssertEqual((error as? BundleError)?.description, "document: not a valid JSON document (\(why))",
                                   "\(document) in chunks of \(size)")
                }
            }
        }
    }

    func testChineseMessageForBrokenDocument() {
        XCTAssertThrowsError(try parts(#"{"a": 1 "b": 2}"#, size: 8)) { error in
            XCTAssertEqual((error as? BundleError)?.message(chinese: true).contains("不是有效的 JSON 文档（byte 8"), true,
                           "\(error)")
        }
    }
}
