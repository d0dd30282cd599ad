/** Entry of the join page (/join). */
import "../styles/base.css";
import "./join.css";
import { render } from "preact";
import { JoinPage } from "./join-page.tsx";

const root = document.getElementById("app");
if (root) render(<JoinPage />, root);
