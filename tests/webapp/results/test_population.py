"""An admin uploads the population per district on 実績 (issue 27): bad rows all listed and nothing imported,
a good file replaces the table; a form with its CSRF token; dispatchers may not."""

from __future__ import annotations

import io

import pytest

from tests.webapp.conftest import csrf_token, login


def _upload(client, text: str, *, token: str | None = None):
    data = {"file": (io.BytesIO(text.encode("utf-8")), "population.csv")}
    if token is not False:
        data["csrf_token"] = token or csrf_token(client)
    return client.post("/results/population", data=data, content_type="multipart/form-data")


def _table(store):
    return [tuple(r) for r in store.db.execute("SELECT district, population FROM district_population ORDER BY district")]


def test_a_good_file_replaces_the_table_and_says_how_many_districts(client, store):
    login(client, "admin")
    assert "地区ごとの人口の取込" in client.get("/results/").text  # the link on 実績, for admins
    done = _upload(client, "district,population,label\n上地区,1200,65歳以上\n下地区,\"1,050\",65歳以上\n")
    assert done.status_code == 200
    assert "2地区の人口を取り込みました" in done.text
    assert _table(store) == [("上地区", 1200), ("下地区", 1050)]
    again = _upload(client, "district,population\n中地区,7\n")
    assert again.status_code == 200 and _table(store) == [("中地区", 7)]
    assert "<td>中地区</td>" in again.text


def test_bad_rows_are_all_listed_in_japanese_and_nothing_is_imported(client, store):
    login(client, "admin")
    _upload(client, "district,population\n中地区,7\n")
    refused = _upload(client, "district,population\n上地区,1200\n,30\n下地区,many\n上地区,5\n")
    assert refused.status_code == 400
    assert "誤りのある行が3行あります。何も取り込んでいません" in refused.text
    for row in ("3行目: 地区がありません", "4行目: &#39;many&#39; は0〜", "5行目: 地区 &#39;上地区&#39; が2回あります"):
        assert row in refused.text
    assert refused.text.count("<li>") == 3
    assert _table(store) == [("中地区", 7)]  # the table as it was


def test_the_form_needs_its_csrf_token_and_a_file(client, store):
    login(client, "admin")
    assert _upload(client, "district,population\n中地区,7\n", token=False).status_code == 400
    empty = client.post("/results/population", data={"csrf_token": csrf_token(client)}, content_type="multipart/form-data")
    assert empty.status_code == 400 and "ファイルを選んでください" in empty.text
    assert _table(store) == []


@pytest.mark.parametrize("user", ["dispatcher", "operator"])
def test_only_admins_import(client, user):
    login(client, user)
    assert client.get("/results/population").status_code == 403
    if user == "dispatcher":
        assert "地区ごとの人口の取込" not in client.get("/results/").text


def test_a_file_over_the_upload_limit_is_said_too_large_not_a_server_problem(app, client, store):
    app.config["MAX_CONTENT_LENGTH"] = 50_000  # a small limit: the test client keeps a body under 500 kB in memory
    login(client, "admin")
    refused = _upload(client, "district,population\n" + "中地区,7\n" * 10_000)  # about 120 kB
    assert refused.status_code == 413
    assert "送信内容が大きすぎます" in refused.text and "サーバーで問題が起きました" not in refused.text
    assert _table(store) == []
