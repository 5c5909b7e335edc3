import PatrolSheet
import XCTest

/// Asserts that `body` throws exactly `expected`.
func XCTAssertThrowsSheetError<T>(_ expected: SheetError, _ body: () throws(SheetError) -> T,
                                  file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected \(expected), nothing was thrown", file: file, line: line)
    } catch {
        XCTAssertEqual(error, expected, file: file, line: line)
    }
}
