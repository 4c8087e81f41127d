//! `ent-admin calendar import`: school holidays from the ministry's dataset (CSV export or a
//! zone's ICS), a dry run that writes nothing, a repeat that changes nothing, bad lines told
//! in French with nothing written.

use super::Node;

/// The dataset's CSV as exported (UTC timestamps, one row per académie, a teachers' row).
const CSV: &str = "description;population;start_date;end_date;location;zones;annee_scolaire\n\
Vacances de la Toussaint;-;2027-10-15T22:00:00+00:00;2027-10-31T23:00:00+00:00;Lyon;Zone A;2027-2028\n\
Vacances de la Toussaint;-;2027-10-15T22:00:00+00:00;2027-10-31T23:00:00+00:00;Dijon;Zone A;2027-2028\n\
Vacances de Noël;-;2027-12-17T23:00:00+00:00;2028-01-02T23:00:00+00:00;Lyon;Zone A;2027-2028\n\
Vacances d'Été;Enseignants;2028-07-07T22:00:00+00:00;2028-08-27T22:00:00+00:00;Lyon;Zone A;2027-2028\n";

fn count(node: &Node) -> i64 {
    super::block_on(async {
        let db = ent_node::store::Db::connect(&node.database_url, 1)
            .await
            .unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM school_holidays")
            .fetch_one(db.pool())
            .await
            .unwrap();
        db.close().await;
        n
    })
}

#[test]
fn holidays_import_from_the_dataset_dry_run_repeat_and_bad_lines() {
    let node = Node::init();
    std::fs::write(node.path("calendrier.csv"), CSV).unwrap();

    let dry = node.json(&["calendar", "import", "calendrier.csv", "--dry-run"]);
    assert_eq!(dry["added"], 2, "{dry}");
    assert_eq!(count(&node), 0, "a dry run writes nothing");

    let out = node.ok(&["calendar", "import", "calendrier.csv"]);
    assert!(out.contains("Zone A 2027-2028"), "{out}");
    assert!(out.contains("2 période(s) nouvelle(s)"), "{out}");
    assert_eq!(count(&node), 2);

    let again = node.ok(&["calendar", "import", "calendrier.csv"]);
    assert!(again.contains("Rien à changer"), "{again}");
    assert_eq!(count(&node), 2);

    // A bad line: every error told with its line, nothing written.
    let bad = CSV.replace(
        "Vacances de Noël;-;2027-12-17T23:00:00+00:00",
        "Vacances de Noël;-;17 décembre",
    );
    std::fs::write(node.path("mauvais.csv"), bad).unwrap();
    let run = node.run(&["calendar", "import", "mauvais.csv"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("ligne 4 : date de début illisible « 17 décembre »"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("rien n'a été importé"),
        "{}",
        run.stderr
    );
    assert_eq!(count(&node), 2);

    // A zone's ICS file, as the ministry publishes them.
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//FR\r\n\
BEGIN:VEVENT\r\nUID:a1\r\nDTSTAMP:20270101T000000Z\r\nSUMMARY:Vacances d'Hiver - Zone C\r\n\
DTSTART;VALUE=DATE:20280212\r\nDTEND;VALUE=DATE:20280228\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    std::fs::write(node.path("Zone-C.ics"), ics).unwrap();
    let result = node.json(&["calendar", "import", "Zone-C.ics"]);
    assert_eq!(result["years"][0], "Zone C 2027-2028", "{result}");
    assert_eq!(result["added"], 1);
    assert_eq!(count(&node), 3);
}
