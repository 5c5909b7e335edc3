import Foundation
import PatrolSheet
import XCTest

final class CSVSheetReaderTests: XCTestCase {
    private let reader = CSVSheetReader()
    private let expectedRows: [Int: [String]] = [
        1: ["单位名称", "联络员", "手机", "备注"],
        2: ["溧阳市", "张三", "13800000000", "第一行\n第二行"],
        4: ["金坛区", "李四", "13912345678", "含,逗号"],
    ]

    /// Excel's and WPS's "CSV (逗号分隔)" on Chinese Windows: GBK, which must never come out as
    /// UTF-8 mojibake.
    func testGBKAsWrittenOnChineseWindows() throws {
        let table = try reader.read(Fixture.data("units-gbk.csv"))

        XCTAssertEqual(table.source, .csv(encoding: .gb18030))
        assertExpectedRows(table)
    }

    func testUTF8WithByteOrderMark() throws {
        let table = try reader.read(Fixture.data("units-utf8-bom.csv"))

        XCTAssertEqual(table.source, .csv(encoding: .utf8))
        assertExpectedRows(table)
    }

    /// Excel's "Unicode 文本": UTF-16 little-endian with a BOM, tab-separated.
    func testUTF16TabSeparated() throws {
        let table = try reader.read(Fixture.data("units-utf16le.txt"))

        XCTAssertEqual(table.source, .csv(encoding: .utf16LittleEndian))
        assertExpectedRows(table)
    }

    func testUTF16BigEndian() throws {
        var data = Data([0xFE, 0xFF])
        for unit in "名称,值\n甲,1".utf16 { data.append(contentsOf: [UInt8(unit >> 8), UInt8(unit & 0xFF)]) }

        let table = try reader.read(data)

        XCTAssertEqual(table.source, .csv(encoding: .utf16BigEndian))
        XCTAssertEqual(table.rows.map(\.values), [["名称", "值"], ["甲", "1"]])
    }

    func testTheOfficesListAsCSV() throws {
        let table = try reader.read(Fixture.data("units-changzhou-2022.csv"))

        XCTAssertEqual(table.source, .csv(encoding: .utf8))
        XCTAssertEqual(table.rows.count, 84)
        XCTAssertEqual(table.row(1)?.values, ["code", "name", "category", "group", "regulator", "note"])
        XCTAssertEqual(table.row(2)?.values, ["D01", "溧阳市", "辖市区", "district"])
        XCTAssertEqual(table.row(84)?.values, ["E08", "晋陵投资公司", "市属国有企业", "department"])
    }

    func testRowNumbersCountRecordsNotLines() throws {
        let table = try reader.read(Data("a,b\r\n\"多\n行\",x\r\n\r\nc\r\n".utf8))

        XCTAssertEqual(table.rows.map(\.number), [1, 2, 4])
        XCTAssertEqual(table.row(2)?.values, ["多\n行", "x"])
        XCTAssertEqual(table.row(4)?.cells.map(\.column.letters), ["A"])
    }

    func testTextInNoKnownEncodingNamesTheByte() throws {
        // "name,city\r\nJos" is 14 bytes; Latin-1 é (0xE9) followed by a comma is no GB18030 character.
        let data = try Fixture.data("units-latin1.csv")
        XCTAssertThrowsSheetError(.undecodableText(offset: 14, encoding: .gb18030)) { () throws(SheetError) in
            try reader.read(data)
        }
    }

    func testDamagedUTF8IsNotReadAsGBK() throws {
        var bytes = Array("单位名称,联络员\n溧阳市,张三\n".utf8)
        bytes[7] = 0xFF  // breaks 名, whose sequence starts at byte 6

        XCTAssertThrowsSheetError(.undecodableText(offset: 6, encoding: .utf8)) { () throws(SheetError) in
            try reader.read(Data(bytes))
        }
        XCTAssertThrowsSheetError(.undecodableText(offset: 5, encoding: .utf8)) { () throws(SheetError) in
            try reader.read(Data([0xEF, 0xBB, 0xBF, 0x61, 0x2C, 0xC0, 0x80]))
        }
    }

    func testBrokenUTF16NamesTheByte() throws {
        XCTAssertThrowsSheetError(.undecodableText(offset: 4, encoding: .utf16LittleEndian)) { () throws(SheetError) in
            try reader.read(Data([0xFF, 0xFE, 0x61, 0x00, 0x00]))
        }
        XCTAssertThrowsSheetError(.undecodableText(offset: 2, encoding: .utf16LittleEndian)) { () throws(SheetError) in
            try reader.read(Data([0xFF, 0xFE, 0x00, 0xDC, 0x61, 0x00]))
        }
    }

    func testLimits() throws {
        let data = try Fixture.data("units-utf8-bom.csv")

        XCTAssertThrowsSheetError(.tooManyRows(limit: 2)) { () throws(SheetError) in
            try CSVSheetReader(limits: SheetLimits(maxRows: 2)).read(data)
        }
        XCTAssertThrowsSheetError(.tooManyColumns(row: 1, column: SheetColumn(letters: "C")!, limit: 2)) { () throws(SheetError) in
            try CSVSheetReader(limits: SheetLimits(maxColumns: 2)).read(data)
        }
        XCTAssertThrowsSheetError(.fileTooLarge(bytes: data.count, limit: 10)) { () throws(SheetError) in
            try CSVSheetReader(limits: SheetLimits(maxFileBytes: 10)).read(data)
        }
    }

    private func assertExpectedRows(_ table: SheetTable, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(table.rows.map(\.number), [1, 2, 4], file: file, line: line)
        for (number, values) in expectedRows {
            XCTAssertEqual(table.row(number)?.values, values, "row \(number)", file: file, line: line)
        }
        XCTAssertFalse(table.rows.contains { $0.values.contains { $0.contains("\u{FFFD}") } }, file: file, line: line)
    }
}
