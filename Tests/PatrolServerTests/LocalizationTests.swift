import Foundation
import XCTest
@testable import PatrolServer

/// One localisation mechanism, both languages complete: every key in either table is in the other,
/// and every key the code and the templates name literally is in both (a missing key would show
/// the key itself to the reader).
final class LocalizationTests: XCTestCase {
    func root() -> URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }

    func table(_ name: String) throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(contentsOf: root().appendingPathComponent("Resources/Strings/\(name).json")))
    }

    /// Every match of `pattern`'s first group in the files under `folder` ending in `suffix`.
    func names(_ pattern: String, in folder: String, suffix: String) throws -> Set<String> {
        let regex = try NSRegularExpression(pattern: pattern)
        var found: Set<String> = []
        let base = root().appendingPathComponent(folder)
        for case let url as URL in FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil)! where url.path.hasSuffix(suffix) {
            let text = try String(contentsOf: url, encoding: .utf8)
            for m in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                if let r = Range(m.range(at: 1), in: text) { found.insert(String(text[r]).replacingOccurrences(of: ".", with: "_")) }
            }
        }
        return found
    }

    func testBothLanguagesHaveEveryKey() throws {
        let zh = try table("zh-CN"), en = try table("en")
        XCTAssertEqual(Set(zh.keys).subtracting(en.keys).sorted(), [], "keys only in Chinese")
        XCTAssertEqual(Set(en.keys).subtracting(zh.keys).sorted(), [], "keys only in English")
        XCTAssertTrue(zh.values.allSatisfy { !$0.isEmpty } && en.values.allSatisfy { !$0.isEmpty }, "an empty string")

        // Keys named whole in the code (`req.t("…")`, `PatrolError.invalid("…")`) and in the templates (`#(t.…)`).
        let inCode = try names(#"(?:\bt|invalid|conflict|key:)\(?\s*"([a-zA-Z]+(?:\.[a-zA-Z_]+)+)""#, in: "Sources/PatrolServer", suffix: ".swift")
        let inTemplates = try names(#"#\(t\.([a-zA-Z_]+)\)"#, in: "Resources/Views", suffix: ".leaf")
        XCTAssertGreaterThan(inCode.count, 100, "the scan found the code's keys")
        XCTAssertGreaterThan(inTemplates.count, 100, "the scan found the templates' keys")
        XCTAssertEqual(inCode.union(inTemplates).subtracting(zh.keys).sorted(), [], "keys used but in neither table")
    }
}
