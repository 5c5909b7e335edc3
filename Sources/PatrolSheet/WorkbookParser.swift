/// Reads `xl/workbook.xml`: the sheets in tab order and which date system the workbook counts in.
final class WorkbookParser: PartParser {
    struct Sheet {
        let name: String
        let relationshipID: String
        let isHidden: Bool
    }

    private(set) var sheets: [Sheet] = []
    /// Workbooks made on old Macs count days from 1904-01-01 instead of 1900-01-00.
    private(set) var usesDate1904 = false

    override func didStart(_ name: Substring, attributes: [String: String]) {
        switch name {
        case "workbookPr":
            let value = Self.attribute("date1904", in: attributes)
            usesDate1904 = value == "1" || value == "true"
        case "sheet":
            guard let sheetName = Self.attribute("name", in: attributes),
                  let id = Self.attribute("id", in: attributes)
            else { return }
            let state = Self.attribute("state", in: attributes)
            sheets.append(Sheet(name: sheetName, relationshipID: id,
                                isHidden: state == "hidden" || state == "veryHidden"))
        default:
            break
        }
    }
}
