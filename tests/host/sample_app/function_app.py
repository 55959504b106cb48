"""A small v2 app for the local host's tests. Queue names come from settings (%...%) so each test session
uses its own queues; calls are recorded in module-level lists (the host runs the app in the test's process)."""

import json
import os
import time

import azure.functions as func

GREETING = os.environ.get("SAMPLE_GREETING", "unset")  # read at import: settings must be in env by then

failed_calls: list[tuple[int, float]] = []  # (dequeue_count, monotonic time) of each always_fails call
processed: list[dict] = []
timer_calls: list[tuple[float, bool]] = []  # (monotonic time, past_due)
startup_calls: list[bool] = []

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)


@app.route(route="items/{item_id}", methods=["GET", "POST"])
def get_item(req: func.HttpRequest) -> func.HttpResponse:
    body = {"item_id": req.route_params["item_id"], "method": req.method, "q": req.params.get("q"),
            "body": req.get_body().decode(), "header": req.headers.get("x-sample")}
    return func.HttpResponse(json.dumps(body), status_code=200, mimetype="application/json",
                             headers={"x-served-by": "get_item"})


@app.route(route="files/{*path}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def get_file(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(req.route_params.get("path", ""))


@app.route(route="hello/{name?}", auth_level=func.AuthLevel.ANONYMOUS)
def hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(f"{GREETING}, {req.route_params.get('name', 'world')}", status_code=201)


@app.route(route="maintenance/purge", methods=["POST"], auth_level=func.AuthLevel.ADMIN)
def purge(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("purged")


@app.route(route="boom", auth_level=func.AuthLevel.ANONYMOUS)
def boom(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("boom")


@app.route(route="enqueue", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@app.queue_output(arg_name="out", queue_name="%SAMPLE_WORK_QUEUE%", connection="AzureWebJobsStorage")
def enqueue(req: func.HttpRequest, out: func.Out[str]) -> func.HttpResponse:
    out.set(req.get_body().decode())
    return func.HttpResponse(status_code=202)


@app.queue_trigger(arg_name="msg", queue_name="%SAMPLE_FAIL_QUEUE%", connection="AzureWebJobsStorage")
def always_fails(msg: func.QueueMessage) -> None:
    failed_calls.append((msg.dequeue_count, time.monotonic()))
    raise ValueError(f"cannot process {msg.get_body()!r}")


@app.queue_trigger(arg_name="msg", queue_name="%SAMPLE_WORK_QUEUE%", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="done", queue_name="%SAMPLE_DONE_QUEUE%", connection="AzureWebJobsStorage")
def process_work(msg: func.QueueMessage, done: func.Out[str], context: func.Context) -> None:
    work = msg.get_json()
    processed.append({"id": msg.id, "work": work, "dequeue_count": msg.dequeue_count,
                      "insertion_time": msg.insertion_time, "pop_receipt": msg.pop_receipt,
                      "function_name": context.function_name})
    done.set(json.dumps({"done": work["order"], "by": "process_work"}))


@app.timer_trigger(arg_name="timer", schedule="* * * * * *", run_on_startup=False)
def every_second(timer: func.TimerRequest) -> None:
    timer_calls.append((time.monotonic(), timer.past_due))
    raise RuntimeError("a failing timer must keep firing")


@app.timer_trigger(arg_name="timer", schedule="0 0 0 1 1 *", run_on_startup=True)
def on_startup(timer: func.TimerRequest) -> None:
    startup_calls.append(timer.past_due)
